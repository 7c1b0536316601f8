// Keeps $MODA_HOME/datasets-cache bounded: removes the preparations of commits that no remaining
// repo uses (their repos were deleted), then, past MODA_DATASETS_CACHE_MAX, the least recently
// used ones, never one a request of this process holds (dataset-cache-use.ts). A removed commit is
// prepared again on its next use. Work folders a crash left behind are removed after a day.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { HubContext } from '../hub/context.js';
import { datasetCacheRoot } from './dataset-cache-dir.js';
import { LAST_USE_FILE, REPO_MARK_PREFIX, removeUnlessHeld } from './dataset-cache-use.js';
import { forgetDatasetEngines } from './dataset-engine.js';
import { forgetPreparedManifest } from './ensure-prepared.js';

const COMMIT = /^[0-9a-f]{40}$/;
const REPO_ID = /^[0-9a-z]{1,64}$/;
const STALE_WORK_MS = 24 * 3600_000;

interface CachedCommit {
  commit: string;
  dir: string;
  bytes: number;
  lastUse: number;
  repoIds: string[];
}

export interface SweepResult {
  /** Commits whose preparation was removed. */
  removed: string[];
  /** Bytes the cache holds after the sweep. */
  bytes: number;
}

async function describe(dir: string, commit: string): Promise<CachedCommit | undefined> {
  const names = await readdir(dir).catch(() => undefined);
  if (!names) return undefined;
  let bytes = 0;
  let lastUse = 0;
  for (const name of names) {
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (!info) continue;
    bytes += info.size;
    if (name === LAST_USE_FILE || (name === 'manifest.json' && lastUse === 0)) lastUse = Math.max(lastUse, info.mtimeMs);
  }
  const repoIds = names.filter((name) => name.startsWith(REPO_MARK_PREFIX)).map((name) => name.slice(REPO_MARK_PREFIX.length)).filter((id) => REPO_ID.test(id));
  return { commit, dir, bytes, lastUse, repoIds };
}

async function listCached(root: string): Promise<CachedCommit[]> {
  const found: CachedCommit[] = [];
  for (const prefix of await readdir(root).catch(() => [] as string[])) {
    if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
    for (const commit of await readdir(join(root, prefix)).catch(() => [] as string[])) {
      if (!COMMIT.test(commit)) continue;
      const described = await describe(join(root, prefix, commit), commit);
      if (described) found.push(described);
    }
  }
  return found;
}

/** Repo ids among `ids` that still exist. */
async function existingRepos(hub: HubContext, ids: string[]): Promise<Set<string>> {
  const existing = new Set<string>();
  for (let start = 0; start < ids.length; start += 500) {
    const rows = await hub.db.selectFrom('repos').select('id').where('id', 'in', ids.slice(start, start + 500)).execute();
    for (const row of rows) existing.add(row.id);
  }
  return existing;
}

async function removeStaleWork(root: string): Promise<void> {
  const work = join(root, '.work');
  for (const name of await readdir(work).catch(() => [] as string[])) {
    const info = await stat(join(work, name)).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > STALE_WORK_MS) await rm(join(work, name), { recursive: true, force: true });
  }
}

async function removeCommit(hub: HubContext, root: string, cached: CachedCommit): Promise<boolean> {
  return removeUnlessHeld(hub, cached.commit, async () => {
    forgetPreparedManifest(hub, cached.commit);
    await forgetDatasetEngines(hub.config.home, cached.commit);
    // Renamed away first: a reader sees the whole preparation or none, never half of one.
    const trash = join(root, '.trash');
    await mkdir(trash, { recursive: true });
    const moved = join(trash, randomBytes(8).toString('hex'));
    await rename(cached.dir, moved);
    await rm(moved, { recursive: true, force: true });
  });
}

export async function sweepDatasetsCache(hub: HubContext, maxBytes = hub.config.datasetsCacheMaxBytes): Promise<SweepResult> {
  const root = datasetCacheRoot(hub);
  await removeStaleWork(root);
  const cached = await listCached(root);
  const removed: string[] = [];
  const marked = [...new Set(cached.flatMap((entry) => entry.repoIds))];
  const existing = await existingRepos(hub, marked);
  const kept: CachedCommit[] = [];
  for (const entry of cached) {
    // A commit can be shared by forks: only when every repo that used it is gone is it an orphan.
    const orphan = entry.repoIds.length > 0 && entry.repoIds.every((id) => !existing.has(id));
    if (orphan && (await removeCommit(hub, root, entry))) removed.push(entry.commit);
    else kept.push(entry);
  }
  let bytes = kept.reduce((sum, entry) => sum + entry.bytes, 0);
  if (maxBytes > 0 && bytes > maxBytes) {
    // Least recently used first; a held commit is skipped and the next one goes instead.
    kept.sort((a, b) => a.lastUse - b.lastUse);
    for (const entry of kept) {
      if (bytes <= maxBytes) break;
      if (await removeCommit(hub, root, entry)) {
        bytes -= entry.bytes;
        removed.push(entry.commit);
      }
    }
  }
  return { removed, bytes };
}
