// The hook the HF info and resolve routes call instead of findRepo: a repo that is not here is
// imported from MODA_MIRROR_UPSTREAM (when set) and then looked up again.
import type { RepoType } from '../db/schema.js';
import { isModaError } from '../errors/moda-error.js';
import type { Actor } from '../hub/actor.js';
import type { HubContext } from '../hub/context.js';
import { findRepo, type RepoRecord } from '../hub/repos/repo-record.js';
import { mirrorRepo } from './mirror-repo.js';

export async function findRepoOrMirror(hub: HubContext, actor: Actor, type: RepoType, repoId: string, revision?: string): Promise<RepoRecord> {
  try {
    return await findRepo(hub, actor, type, repoId);
  } catch (error) {
    if (!hub.config.mirrorUpstream || !isModaError(error) || error.code !== 'HUB_REPO_NOT_FOUND') throw error;
    if (!(await mirrorRepo(hub, type, repoId, revision))) throw error;
    return findRepo(hub, actor, type, repoId);
  }
}
