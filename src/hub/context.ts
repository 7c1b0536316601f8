// What every hub operation needs: the database, the blob store, the data directory and config.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Db } from '../db/open-database.js';
import type { RepoType } from '../db/schema.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { Selectable } from 'kysely';
import type { ReposTable } from '../db/schema.js';
import type { Actor } from './actor.js';
import type { ResolvedRevision } from './refs.js';
import { memberId } from '../cluster/member-lease.js';
import { folderGitRepositories, type GitRepositories } from './git-repositories.js';
import { KeyedMutex } from './keyed-mutex.js';
import type { RepoLocks } from './repo-locks.js';
import { TtlCache } from './ttl-cache.js';

export interface HubContext {
  db: Db;
  blobs: BlobStore;
  config: Config;
  /** Where the bare git repositories are (MODA_GIT_ROOT). */
  repositories: GitRepositories;
  /**
   * One writer per branch: a ref update and the index rows that follow it. In one process a keyed
   * mutex; on PostgreSQL also an advisory lock, so it holds across replicas.
   */
  commitLocks: RepoLocks;
  /**
   * `host:pid:random` of this process (or, in a job process, of the queue that runs it). Scratch and
   * trash folders carry it, so in a cluster a sweep removes only those whose owner's lease ran out.
   */
  memberId: string;
  /** Cluster mode: this process's lease on `memberId` (cluster/member-lease.ts), renewed until closed. */
  lease?: { close(): Promise<void> };
  /**
   * In a job process: throws JOB_LEASE_LOST once the job's attempt is no longer this process's (its
   * worker stalled past its lease and another took the job over). Writes call it under their lock,
   * right before a ref or a repo name changes, so a taken-over attempt commits nothing.
   */
  writeFence?: () => Promise<void>;
  /**
   * Read caches for the hot paths (a repo-info request spent most of its time on these lookups,
   * bench/RESULTS.md). Entries live 1 s; every write in this process clears the cache it affects,
   * and with MODA_REDIS_URL every other replica's too (cache-invalidation.ts).
   */
  caches: {
    repos: TtlCache<string, Selectable<ReposTable> | null>;
    actors: TtlCache<string, Actor>;
    heads: TtlCache<string, ResolvedRevision>;
  };
}

const CACHE_MAX_BYTES = 16 * 1024 ** 2;
const CACHE_TTL_MS = 1000;

export function createHubContext(db: Db, blobs: BlobStore, config: Config, options: { commitLocks?: RepoLocks; memberId?: string; writeFence?: () => Promise<void> } = {}): HubContext {
  return {
    ...(options.writeFence && { writeFence: options.writeFence }),
    db,
    blobs,
    config,
    repositories: folderGitRepositories(config.gitRoot || join(config.home, 'repos')),
    commitLocks: options.commitLocks ?? new KeyedMutex(),
    memberId: options.memberId ?? memberId(config.nodeName),
    // Keys come from requests (repo names, revisions): the byte bound keeps 10,000 long ones small.
    caches: {
      repos: new TtlCache(CACHE_TTL_MS, 10_000, CACHE_MAX_BYTES, 'repos'),
      actors: new TtlCache(CACHE_TTL_MS, 10_000, CACHE_MAX_BYTES, 'actors'),
      heads: new TtlCache(CACHE_TTL_MS, 10_000, CACHE_MAX_BYTES, 'heads'),
    },
  };
}

export function reposRoot(hub: HubContext): string {
  return hub.repositories.root;
}

/**
 * A new folder name under `.scratch` or `.trash`: `<owner>~<label><random>`, the owner being this
 * process's member id (cluster/sweep-scratch.ts removes a folder only once its owner is gone).
 */
export function scratchName(hub: HubContext, label = ''): string {
  return `${hub.memberId}~${label}${randomBytes(8).toString('hex')}`;
}

export function gitDirOf(hub: HubContext, type: RepoType, namespace: string, name: string): string {
  return hub.repositories.gitDirOf(type, namespace, name);
}
