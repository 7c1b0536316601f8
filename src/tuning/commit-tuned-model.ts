// Where a tuned model lands: checked before training (a caller who cannot write the output repo
// learns it in a second, not after the epochs), and written after it in one commit, so a cancelled,
// failed or killed job never leaves a half-written model. A new repo is created only then.
import { ModaError, isModaError } from '../errors/moda-error.js';
import { canWriteNamespace, requireWriteToken, type Actor } from '../hub/actor.js';
import type { HubContext } from '../hub/context.js';
import { parseRepoId } from '../hub/paths.js';
import { commitChanges } from '../hub/repos/commit-changes.js';
import { createRepo } from '../hub/repos/create-repo.js';
import { findRepo, type RepoRecord } from '../hub/repos/repo-record.js';
import type { TunedFile } from './tune-method.js';

/** Throws unless `actor` may write `repoId` (an existing model repo) or create it. Returns whether it exists. */
export async function checkOutputRepo(hub: HubContext, actor: Actor, repoId: string): Promise<boolean> {
  requireWriteToken(actor);
  const { namespace } = parseRepoId(repoId);
  try {
    await findRepo(hub, actor, 'model', repoId, 'write');
    return true;
  } catch (error) {
    if (!(isModaError(error) && error.code === 'HUB_REPO_NOT_FOUND')) throw error;
  }
  const owner = await hub.db.selectFrom('users').select('name').where('name', '=', namespace).executeTakeFirst();
  if (!owner) throw new ModaError('HUB_USER_NOT_FOUND', `no user or organization "${namespace}" to own ${repoId}`);
  if (!canWriteNamespace(actor, namespace)) throw new ModaError('AUTH_FORBIDDEN', `you may not create repos under "${namespace}"`);
  return false;
}

async function openOrCreate(hub: HubContext, actor: Actor, repoId: string, isPrivate: boolean): Promise<RepoRecord> {
  try {
    return await findRepo(hub, actor, 'model', repoId, 'write');
  } catch (error) {
    if (!(isModaError(error) && error.code === 'HUB_REPO_NOT_FOUND')) throw error;
  }
  try {
    return await createRepo(hub, actor, { type: 'model', repoId, private: isPrivate });
  } catch (error) {
    // Created meanwhile (another job with the same output): commit on top of it.
    if (isModaError(error) && error.code === 'HUB_REPO_EXISTS') return findRepo(hub, actor, 'model', repoId, 'write');
    throw error;
  }
}

export async function commitTunedModel(hub: HubContext, actor: Actor, input: { repoId: string; private: boolean; files: TunedFile[]; summary: string; description: string }): Promise<{ repo: RepoRecord; commit: string }> {
  const repo = await openOrCreate(hub, actor, input.repoId, input.private);
  const { commitOid } = await commitChanges(hub, actor, repo, {
    branch: repo.row.default_branch,
    operations: input.files.map((file) => ({ kind: 'file', path: file.path, content: file.content })),
    summary: input.summary,
    description: input.description,
  });
  return { repo, commit: commitOid };
}
