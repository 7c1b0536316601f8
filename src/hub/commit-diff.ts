// One commit with the files it changed against its first parent: what a commit page shows. Sizes and
// LFS pointers come from the (cached) file lists of both commits, so an LFS file reports the size of
// its object, not of its pointer.
import { ModaError } from '../errors/moda-error.js';
import { git, gitText } from './git.js';
import { listTree, type RepoFile } from './list-files.js';
import { COMMIT_SHA } from './paths.js';
import { resolveRevision } from './refs.js';

export type ChangeStatus = 'added' | 'modified' | 'deleted';

/** One side of a changed file: its git blob id, real size, and LFS object when it is one. */
export interface ChangedFileSide {
  oid: string;
  size: number;
  lfs?: { oid: string; size: number };
}

export interface ChangedFile {
  path: string;
  status: ChangeStatus;
  /** Absent for an added file. */
  old?: ChangedFileSide;
  /** Absent for a deleted file. */
  new?: ChangedFileSide;
}

export interface CommitDiff {
  id: string;
  title: string;
  message: string;
  authors: { user: string }[];
  date: string;
  /** Every parent; the changes are against the first (none for a repo's first commit). */
  parents: string[];
  files: ChangedFile[];
}

/** An abbreviated commit id: git's shortest default is 7 hex digits, and a full one has 40. */
const ABBREVIATED_SHA = /^[0-9a-f]{7,39}$/;

/**
 * Resolves a revision (branch, tag, full ref, full or abbreviated commit id) to a commit.
 * Malformed names raise REVISION_INVALID, unknown ones HUB_REVISION_NOT_FOUND.
 */
async function resolveCommit(gitDir: string, revision: string): Promise<string> {
  try {
    return (await resolveRevision(gitDir, revision)).commit;
  } catch (error) {
    // A branch or tag wins over an abbreviated id, as in git; only a miss falls back to the id.
    if (!(error instanceof ModaError && error.code === 'HUB_REVISION_NOT_FOUND' && ABBREVIATED_SHA.test(revision))) throw error;
    const { stdout, code } = await git(gitDir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`], { okCodes: [1, 128] });
    const commit = stdout.toString('utf8').trim();
    // Ambiguous or unknown prefixes both fail here: neither names one commit.
    if (code !== 0 || !COMMIT_SHA.test(commit)) throw new ModaError('HUB_REVISION_NOT_FOUND', `no single commit starts with ${revision}`);
    return commit;
  }
}

function side(file: RepoFile | undefined, oid: string): ChangedFileSide {
  // The tree lists every blob of the commit, so a miss means a submodule entry or the like.
  if (!file) return { oid, size: 0 };
  return { oid, size: file.size, ...(file.lfs && { lfs: { oid: file.lfs.oid, size: file.lfs.size } }) };
}

export async function commitDiff(gitDir: string, revision: string): Promise<CommitDiff> {
  const commit = await resolveCommit(gitDir, revision);
  const header = await gitText(gitDir, ['show', '-s', '--format=%H%x00%P%x00%an%x00%at%x00%B', commit]);
  const [id = commit, parentList = '', author = '', seconds = '', body = ''] = header.split('\0');
  // ISO 8601 in UTC with `Z`: huggingface_hub's date parser refuses git's `+00:00` offsets.
  const date = new Date(Number(seconds) * 1000).toISOString();
  const parents = parentList.split(' ').filter(Boolean);
  const [title = '', ...rest] = body.trimEnd().split('\n');
  const parent = parents[0];

  // Renames are reported as a delete plus an add, as the Hub's file-level diff does.
  const diffArgs = parent ? ['diff-tree', '-r', '-z', '--no-renames', '--no-commit-id', parent, commit] : ['diff-tree', '-r', '-z', '--no-renames', '--no-commit-id', '--root', commit];
  const [diff, after, before] = await Promise.all([git(gitDir, diffArgs), listTree(gitDir, commit), parent ? listTree(gitDir, parent) : Promise.resolve({ files: [], directories: [] })]);
  const afterFiles = new Map(after.files.map((file) => [file.path, file]));
  const beforeFiles = new Map(before.files.map((file) => [file.path, file]));

  // Records are `:oldmode newmode oldsha newsha status\0path\0`.
  const fields = diff.stdout.toString('utf8').split('\0');
  const files: ChangedFile[] = [];
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const [, , oldOid = '', newOid = '', status = ''] = (fields[index] ?? '').slice(1).split(' ');
    const path = fields[index + 1] ?? '';
    if (status === 'A') files.push({ path, status: 'added', new: side(afterFiles.get(path), newOid) });
    else if (status === 'D') files.push({ path, status: 'deleted', old: side(beforeFiles.get(path), oldOid) });
    else files.push({ path, status: 'modified', old: side(beforeFiles.get(path), oldOid), new: side(afterFiles.get(path), newOid) });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { id, title, message: rest.join('\n').trim(), authors: [{ user: author }], date, parents, files };
}
