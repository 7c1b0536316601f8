// What every hub operation needs: the database, the blob store, the data directory and config.
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Db } from '../db/open-database.js';
import type { RepoType } from '../db/schema.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { Selectable } from 'kysely';
import type { ReposTable } from '../db/schema.js';
import type { Actor } from './actor.js';
import type { ResolvedRevision } from './refs.js';
import { KeyedMutex } from './keyed-mutex.js';
import { TtlCache } from './ttl-cache.js';
import { repoTypePlural } from './paths.js';

export interface HubContext {
  db: Db;
  blobs: BlobStore;
  config: Config;
  /** One writer per branch inside this process; compare-and-swap refs guard across processes. */
  commitLocks: KeyedMutex;
  /**
   * Read caches for the hot paths (a repo-info request spent most of its time on these lookups,
   * bench/RESULTS.md). Entries live 1 s; every write in this process clears the cache it affects.
   */
  caches: {
    repos: TtlCache<string, Selectable<ReposTable> | null>;
    actors: TtlCache<string, Actor>;
    heads: TtlCache<string, ResolvedRevision>;
  };
}

const CACHE_MAX_BYTES = 16 * 1024 ** 2;
const CACHE_TTL_MS = 1000;

export function createHubContext(db: Db, blobs: BlobStore, config: Config): HubContext {
  return {
    db,
    blobs,
    config,
    commitLocks: new KeyedMutex(),
    // Keys come from requests (repo names, revisions): the byte bound keeps 10,000 long ones small.
    caches: {
      repos: new TtlCache(CACHE_TTL_MS, 10_000, CACHE_MAX_BYTES, 'repos'),
      actors: new TtlCache(CACHE_TTL_MS, 10_000, CACHE_MAX_BYTES, 'actors'),
      heads: new TtlCache(CACHE_TTL_MS, 10_000, CACHE_MAX_BYTES, 'heads'),
    },
  };
}

export function reposRoot(hub: HubContext): string {
  return join(hub.config.home, 'repos');
}

export function gitDirOf(hub: HubContext, type: RepoType, namespace: string, name: string): string {
  return join(reposRoot(hub), repoTypePlural(type), namespace, `${name}.git`);
}
