// Which prepared commits this process is using right now, and when each was last used. A viewer
// request holds its commit from before it reads the manifest until its answer is built, so the
// cache sweep (sweep-datasets-cache.ts) never removes files a page or query is reading; a request
// that arrives while its commit is being removed waits for the removal and prepares it again.
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HubContext } from '../hub/context.js';
import { datasetCacheDir } from './dataset-cache-dir.js';

const held = new Map<string, number>();
const removing = new Map<string, Promise<void>>();
const lastMarked = new Map<string, number>();
const marked = new Set<string>();

/** The file whose mtime is the commit's last use (LRU order across restarts). */
export const LAST_USE_FILE = '.last-use';
/** Marks which repos a cache serves (`repo-<id>`): the cache of a commit no remaining repo holds is removed. */
export const REPO_MARK_PREFIX = 'repo-';
/** Writing the last-use time at most this often per commit keeps pages from writing on every request. */
const MARK_INTERVAL_MS = 60_000;

const keyOf = (hub: HubContext, commit: string) => `${hub.config.home}\0${commit}`;

export function isCommitHeld(hub: HubContext, commit: string): boolean {
  return (held.get(keyOf(hub, commit)) ?? 0) > 0;
}

/** Holds `commit` until the returned release is called; waits first for a removal under way. */
export async function holdCommit(hub: HubContext, commit: string): Promise<() => void> {
  const key = keyOf(hub, commit);
  for (let pending = removing.get(key); pending; pending = removing.get(key)) await pending;
  held.set(key, (held.get(key) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const count = (held.get(key) ?? 1) - 1;
    if (count <= 0) held.delete(key);
    else held.set(key, count);
  };
}

/**
 * Runs `remove` unless the commit is held; while it runs, new holders wait. Checking and marking
 * happen in one turn of the event loop, so no request can slip in between. False when held.
 */
export async function removeUnlessHeld(hub: HubContext, commit: string, remove: () => Promise<void>): Promise<boolean> {
  const key = keyOf(hub, commit);
  if (isCommitHeld(hub, commit) || removing.has(key)) return false;
  const done = remove().finally(() => {
    removing.delete(key);
    lastMarked.delete(key);
    for (const mark of [...marked]) if (mark.startsWith(`${key}\0`)) marked.delete(mark);
  });
  removing.set(key, done.catch(() => undefined));
  await done;
  return true;
}

/** Records that `repoId` used the prepared `commit` now (throttled; failures only cost LRU precision). */
export async function markCommitUse(hub: HubContext, commit: string, repoId: string): Promise<void> {
  const key = keyOf(hub, commit);
  const dir = datasetCacheDir(hub, commit);
  const repoMark = `${key}\0${repoId}`;
  if (!marked.has(repoMark)) {
    marked.add(repoMark);
    await writeFile(join(dir, `${REPO_MARK_PREFIX}${repoId}`), '').catch(() => marked.delete(repoMark));
  }
  const now = Date.now();
  if (now - (lastMarked.get(key) ?? 0) < MARK_INTERVAL_MS) return;
  lastMarked.set(key, now);
  const file = join(dir, LAST_USE_FILE);
  const time = new Date(now);
  await utimes(file, time, time).catch(() => writeFile(file, '').catch(() => undefined));
}
