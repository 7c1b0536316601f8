// Renames a repo or moves it to another namespace (the Hub's `POST /api/repos/move`): its git
// directory moves first, then its row; a failed row update moves the directory back. The move holds
// the repo's write lock (commits wait, then write in the new folder) and a lock on the new name (two
// moves onto one name cannot both pass the "taken" check), taken in one fixed order.
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ModaError } from '../../errors/moda-error.js';
import type { RepoType } from '../../db/schema.js';
import { canAdminNamespace, requireWriteToken, type Actor } from '../actor.js';
import { gitDirOf, type HubContext } from '../context.js';
import { parseRepoId } from '../paths.js';
import { findRepo, toRecord, type RepoRecord } from './repo-record.js';
import { repoLockKey, repoNameLockKey } from './repo-write-lock.js';

export async function moveRepo(hub: HubContext, actor: Actor, type: RepoType, fromId: string, toId: string): Promise<RepoRecord> {
  requireWriteToken(actor);
  const found = await findRepo(hub, actor, type, fromId, 'admin');
  const { namespace, name } = parseRepoId(toId);
  const owner = await hub.db.selectFrom('users').select('name').where('name', '=', namespace).executeTakeFirst();
  if (!owner) throw new ModaError('HUB_USER_NOT_FOUND', `no user or organization "${namespace}"`);
  if (!canAdminNamespace(actor, namespace)) throw new ModaError('AUTH_FORBIDDEN', `you may not move repos into "${namespace}"`);
  const key = toId.toLowerCase();

  await hub.commitLocks.run([repoLockKey(found.id), repoNameLockKey(type, key)], async () => {
    // As it stands now that no commit or other move can change it.
    const row = await hub.db.selectFrom('repos').selectAll().where('id', '=', found.id).executeTakeFirst();
    if (!row) throw new ModaError('HUB_REPO_NOT_FOUND', `${type === 'model' ? 'Repository' : 'Dataset'} ${fromId} not found`);
    const repo = toRecord(hub, row);
    const taken = await hub.db.selectFrom('repos').select('id').where('type', '=', type).where('key', '=', key).executeTakeFirst();
    if (taken) throw new ModaError('HUB_REPO_EXISTS', `${type} repo ${toId} already exists`);
    const target = gitDirOf(hub, type, namespace, name);
    await mkdir(dirname(target), { recursive: true });
    // No row holds the new name, so a folder there is the leftover of a crashed create (see create-repo).
    await rm(target, { recursive: true, force: true });
    await rename(repo.gitDir, target);
    try {
      await hub.db.updateTable('repos').set({ namespace, name, key }).where('id', '=', repo.id).execute();
    } catch (error) {
      await rename(target, repo.gitDir);
      throw error;
    } finally {
      hub.caches.repos.clear();
      hub.caches.heads.clear();
    }
  });
  return findRepo(hub, actor, type, toId);
}
