// What every hub operation needs: the database, the blob store, the data directory and config.
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Db } from '../db/open-database.js';
import type { RepoType } from '../db/schema.js';
import type { BlobStore } from '../storage/blob-store.js';
import { KeyedMutex } from './keyed-mutex.js';
import { repoTypePlural } from './paths.js';

export interface HubContext {
  db: Db;
  blobs: BlobStore;
  config: Config;
  /** One writer per branch inside this process; compare-and-swap refs guard across processes. */
  commitLocks: KeyedMutex;
}

export function createHubContext(db: Db, blobs: BlobStore, config: Config): HubContext {
  return { db, blobs, config, commitLocks: new KeyedMutex() };
}

export function reposRoot(hub: HubContext): string {
  return join(hub.config.home, 'repos');
}

export function gitDirOf(hub: HubContext, type: RepoType, namespace: string, name: string): string {
  return join(reposRoot(hub), repoTypePlural(type), namespace, `${name}.git`);
}
