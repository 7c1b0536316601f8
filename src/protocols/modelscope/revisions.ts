// ModelScope revisions over git refs. ModelScope's default branch is `master`, Hugging Face's is
// `main`; a client that names the other one on a repo that has no such branch gets the default
// branch, so ModelScope SDKs (which ask for `master` by default) read Hugging Face-made repos too.
import { ModaError } from '../../errors/moda-error.js';
import { COMMIT_SHA } from '../../hub/paths.js';
import { listRefs, readRef, resolveRevision } from '../../hub/refs.js';
import type { RepoRecord } from '../../hub/repos/repo-record.js';
import { epochSeconds } from './wire-fields.js';

const DEFAULT_BRANCH_NAMES = ['master', 'main'];

export interface ReadRevision {
  commit: string;
  /** The branch, tag or sha that was read (the default branch for an alias). */
  revision: string;
}

function isDefaultAlias(repo: RepoRecord, name: string): boolean {
  return DEFAULT_BRANCH_NAMES.includes(name) && name !== repo.row.default_branch;
}

/** A branch, tag or commit sha to read from; absent or empty means the default branch. */
export async function resolveReadRevision(repo: RepoRecord, revision: string | undefined): Promise<ReadRevision> {
  const wanted = revision === undefined || revision === '' ? repo.row.default_branch : revision;
  // resolveRevision maps `main`/`master` onto the default branch when no such branch exists.
  const resolved = await resolveRevision(repo.gitDir, wanted);
  return { commit: resolved.commit, revision: resolved.branch ?? wanted };
}

/** The branch a write goes to: only branches move, so tags and shas are refused. */
export async function resolveWriteBranch(repo: RepoRecord, revision: string | undefined): Promise<string> {
  const wanted = (revision === undefined || revision === '' ? repo.row.default_branch : revision).replace(/^refs\/heads\//, '');
  if (await readRef(repo.gitDir, `refs/heads/${wanted}`)) return wanted;
  if (isDefaultAlias(repo, wanted)) return repo.row.default_branch;
  if (COMMIT_SHA.test(wanted) || (await readRef(repo.gitDir, `refs/tags/${wanted}`))) {
    throw new ModaError('REVISION_INVALID', `"${wanted}" is not a branch: changes can only be committed to a branch`);
  }
  throw new ModaError('HUB_REVISION_NOT_FOUND', `branch "${wanted}" does not exist`);
}

export interface RevisionEntry {
  Revision: string;
  /** Unix seconds: the head commit's time for branches, the tagging time for tags. */
  CreatedAt: number;
  CommitId: string;
}

export interface RevisionMap {
  Branches: RevisionEntry[];
  Tags: RevisionEntry[];
}

/**
 * Branches (with the `master`/`main` alias the server also accepts) and tags newest first;
 * `endTime` keeps the tags created at or before it, as release clients ask for.
 */
export async function revisionMap(repo: RepoRecord, endTime: number | undefined): Promise<RevisionMap> {
  const refs = await listRefs(repo.gitDir);
  const entry = (ref: { name: string; targetCommit: string; date: string }): RevisionEntry => ({ Revision: ref.name, CreatedAt: epochSeconds(ref.date), CommitId: ref.targetCommit });
  const branches = refs.branches.map(entry);
  const main = branches.find((branch) => branch.Revision === repo.row.default_branch);
  if (main) {
    for (const alias of DEFAULT_BRANCH_NAMES) {
      if (!branches.some((branch) => branch.Revision === alias)) branches.push({ ...main, Revision: alias });
    }
  }
  const tags = refs.tags
    .map(entry)
    .filter((tag) => endTime === undefined || tag.CreatedAt <= endTime)
    .sort((a, b) => b.CreatedAt - a.CreatedAt || b.Revision.localeCompare(a.Revision, 'en', { numeric: true }));
  return { Branches: branches, Tags: tags };
}
