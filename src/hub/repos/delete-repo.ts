// Deletes a repo: the database row first (so it vanishes from every listing at once), then its git
// directory. Blobs stay in the store; other repos may share them.
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RepoType } from '../../db/schema.js';
import type { Actor } from '../actor.js';
import { reposRoot, scratchName, type HubContext } from '../context.js';
import { recordAuditEvent } from '../audit/record-audit-event.js';
import { findRepo, visibilityOf } from './repo-record.js';

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
}
