// Repo settings that users change after creation.
import type { RepoType, RepoVisibility } from '../../db/schema.js';
import type { Actor } from '../actor.js';
import type { HubContext } from '../context.js';
import { git } from '../git.js';
import { recordAuditEvent } from '../audit/record-audit-event.js';
import { findRepo, privateFlag, visibilityOf, type RepoRecord } from './repo-record.js';

export interface RepoSettings {
  /** true: private, false: public. */
  private?: boolean;
  /** Wins over `private` when both are given. */
  visibility?: RepoVisibility;
  /** Lets `git push --force` rewrite branches (git's receive.denyNonFastForwards, on by default). */
  allowForcePush?: boolean;
}

export async function updateSettings(hub: HubContext, actor: Actor, type: RepoType, repoId: string, settings: RepoSettings): Promise<RepoRecord> {
  const repo = await findRepo(hub, actor, type, repoId, 'admin');
  const visibility = settings.visibility ?? (settings.private === undefined ? undefined : settings.private ? 'private' : 'public');
  if (visibility !== undefined) {
    await hub.db.updateTable('repos').set({ visibility, private: privateFlag(visibility) }).where('id', '=', repo.id).execute();
    hub.caches.repos.clear();
    if (visibility !== visibilityOf(repo.row)) await recordAuditEvent(hub, actor, 'repo.visibility', `${type}:${repo.fullName}`, { from: visibilityOf(repo.row), to: visibility });
  }
  if (settings.allowForcePush !== undefined) {
    await git(repo.gitDir, ['config', 'receive.denyNonFastForwards', settings.allowForcePush ? 'false' : 'true']);
    await recordAuditEvent(hub, actor, 'repo.settings', `${type}:${repo.fullName}`, { allowForcePush: settings.allowForcePush });
  }
  return findRepo(hub, actor, type, repoId, 'read');
}
