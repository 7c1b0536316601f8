// Repo settings that users change after creation.
import type { RepoType } from '../../db/schema.js';
import type { Actor } from '../actor.js';
import type { HubContext } from '../context.js';
import { findRepo, type RepoRecord } from './repo-record.js';

export interface RepoSettings {
  private?: boolean;
}

export async function updateSettings(hub: HubContext, actor: Actor, type: RepoType, repoId: string, settings: RepoSettings): Promise<RepoRecord> {
  const repo = await findRepo(hub, actor, type, repoId, 'admin');
  if (settings.private !== undefined) {
    await hub.db.updateTable('repos').set({ private: settings.private ? 1 : 0 }).where('id', '=', repo.id).execute();
  }
  return findRepo(hub, actor, type, repoId, 'read');
}
