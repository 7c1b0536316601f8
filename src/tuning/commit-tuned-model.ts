// Where a tuned model lands: checked before training (a caller who cannot write the output repo
// learns it in a second, not after the epochs), and written after it in one commit, so a cancelled,
// failed or killed job never leaves a half-written model. A new repo is created only then.
// Retuning into an existing repo replaces the previous tuned model in that same commit: the method
// files the previous run wrote (listed in its training_params.json) that this run does not write are
// deleted — an image head's `head/` after a fastText run, `model.bin` after a head — and the
// framework's own files (card, configuration, params, metrics, curve) are rewritten. Files the tuning
// framework did not write (a user's notes, extra docs) stay: unlike AutoTrain, which overwrites the
// repo, Moda keeps what it cannot tell is its own; none of it is read by the new configuration.
import { ModaError, isModaError } from '../errors/moda-error.js';
import { canWriteNamespace, requireWriteToken, type Actor } from '../hub/actor.js';
import type { HubContext } from '../hub/context.js';
import { parseRepoId } from '../hub/paths.js';
import { commitChanges } from '../hub/repos/commit-changes.js';
import { createRepo } from '../hub/repos/create-repo.js';
import { findRepo, type RepoRecord } from '../hub/repos/repo-record.js';
import { listFiles, readSmallFile } from '../hub/list-files.js';
import { readRef } from '../hub/refs.js';
import type { CommitOperation } from '../hub/write-commit.js';
import type { TunedFile } from './tune-method.js';
import { TRAINING_PARAMS_FILE } from './tuned-files.js';

/** Commits retried when someone else commits to the output repo between reading its head and writing. */
const COMMIT_ATTEMPTS = 5;

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

/** The files a previous tuning run at `head` wrote (its training_params.json says which) that are still there and not in `keep`. */
export async function leftoverTunedFiles(gitDir: string, head: string, keep: ReadonlySet<string>): Promise<string[]> {
  const raw = await readSmallFile(gitDir, head, TRAINING_PARAMS_FILE);
  if (!raw) return [];
  let written: unknown;
  try {
    written = (JSON.parse(raw.toString('utf8')) as { files_sha256?: unknown }).files_sha256;
  } catch {
    return [];
  }
  if (typeof written !== 'object' || written === null) return [];
  const present = new Set((await listFiles(gitDir, head)).map((file) => file.path));
  return Object.keys(written).filter((path) => present.has(path) && !keep.has(path)).sort();
}

export async function commitTunedModel(hub: HubContext, actor: Actor, input: { repoId: string; private: boolean; files: TunedFile[]; summary: string; description: string }): Promise<{ repo: RepoRecord; commit: string; removed: string[] }> {
  const repo = await openOrCreate(hub, actor, input.repoId, input.private);
  const branch = repo.row.default_branch;
  const keep = new Set(input.files.map((file) => file.path));
  for (let attempt = 1; ; attempt++) {
    // The leftovers are those of the head this commit lands on (parentCommit), never an older one.
    const head = await readRef(repo.gitDir, `refs/heads/${branch}`);
    const removed = head ? await leftoverTunedFiles(repo.gitDir, head, keep) : [];
    const operations: CommitOperation[] = [...input.files.map((file) => ({ kind: 'file' as const, path: file.path, content: file.content })), ...removed.map((path) => ({ kind: 'deletedFile' as const, path }))];
    try {
      const { commitOid } = await commitChanges(hub, actor, repo, { branch, operations, summary: input.summary, description: input.description, ...(head && { parentCommit: head }) });
      return { repo, commit: commitOid, removed };
    } catch (error) {
      if (!(isModaError(error) && error.code === 'HUB_PARENT_COMMIT_STALE') || attempt >= COMMIT_ATTEMPTS) throw error;
    }
  }
}
