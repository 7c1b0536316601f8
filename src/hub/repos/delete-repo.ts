// Deletes a repo: the database row first (so it vanishes from every listing at once), then its git
// directory. Blobs stay in the store; other repos may share them.
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RepoType } from '../../db/schema.js';
import type { Actor } from '../actor.js';
import { reposRoot, scratchName, type HubContext } from '../context.js';
import { recordAuditEvent } from '../audit/record-audit-event.js';
import { findRepo, visibilityOf } from './repo-record.js';

/** Told after a repo of this process's hub was deleted (its row and git folder are gone). */
export type RepoDeletedListener = (repo: { id: string; type: RepoType; fullName: string }) => void;

// Per hub, so tests running several servers in one process keep them apart.
const listeners = new WeakMap<HubContext, Set<RepoDeletedListener>>();

/** Calls `listener` after each repo deletion made in this process; returns the unsubscribe. */
export function onRepoDeleted(hub: HubContext, listener: RepoDeletedListener): () => void {
  const set = listeners.get(hub) ?? new Set();
  listeners.set(hub, set);
  set.add(listener);
  return () => set.delete(listener);
}

export async function deleteRepo(hub: HubContext, actor: Actor, type: RepoType, repoId: string): Promise<void> {
  const repo = await findRepo(hub, actor, type, repoId, 'admin');
  await hub.db.deleteFrom('repos').where('id', '=', repo.id).execute();
  hub.caches.repos.clear();
  await recordAuditEvent(hub, actor, 'repo.delete', `${type}:${repo.fullName}`, { visibility: visibilityOf(repo.row) });
  const trash = join(reposRoot(hub), '.trash');
  await mkdir(trash, { recursive: true });
  const moved = join(trash, scratchName(hub));
  await rename(repo.gitDir, moved).catch(() => undefined);
  await rm(moved, { recursive: true, force: true });
  for (const listener of listeners.get(hub) ?? []) listener({ id: repo.id, type, fullName: repo.fullName });
}
