// The hooks the HF info and resolve routes call instead of findRepo and resolveRevisionCached: a repo
// that is not here is imported from MODA_MIRROR_UPSTREAM (when set) and then looked up again, and a
// revision a mirrored repo lacks is imported into it.
import type { RepoType } from '../db/schema.js';
import { isModaError } from '../errors/moda-error.js';
import type { Actor } from '../hub/actor.js';
import type { HubContext } from '../hub/context.js';
import type { ResolvedRevision } from '../hub/refs.js';
import { findRepo, type RepoRecord } from '../hub/repos/repo-record.js';
import { resolveRevisionCached } from '../hub/resolve-revision-cached.js';
import { mirrorRepo, mirrorRevision } from './mirror-repo.js';

export async function findRepoOrMirror(hub: HubContext, actor: Actor, type: RepoType, repoId: string, revision?: string): Promise<RepoRecord> {
  try {
    return await findRepo(hub, actor, type, repoId);
  } catch (error) {
    if (!hub.config.mirrorUpstream || !isModaError(error) || error.code !== 'HUB_REPO_NOT_FOUND') throw error;
    if (!(await mirrorRepo(hub, type, repoId, revision))) throw error;
    return findRepo(hub, actor, type, repoId);
  }
}

export async function resolveRevisionOrMirror(hub: HubContext, repo: RepoRecord, revision: string): Promise<ResolvedRevision> {
  try {
    return await resolveRevisionCached(hub, repo.gitDir, revision);
  } catch (error) {
    if (!hub.config.mirrorUpstream || !isModaError(error) || error.code !== 'HUB_REVISION_NOT_FOUND') throw error;
    if (!(await mirrorRevision(hub, repo, revision))) throw error;
    return resolveRevisionCached(hub, repo.gitDir, revision);
  }
}
