// Validation of every name that reaches the disk or git: repo ids, file paths and revisions.
// Rules follow huggingface_hub's validate_repo_id and git's check-ref-format, and reject anything
// that could escape a repo (`..`, absolute paths, `.git`, NUL, backslashes).
import { ModaError } from '../errors/moda-error.js';
import type { RepoType } from '../db/schema.js';

const NAME_PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

/** Checks one namespace or repo name segment the way huggingface_hub does. */
export function isValidNamePart(part: string): boolean {
  return NAME_PART.test(part) && !part.includes('--') && !part.includes('..') && !part.endsWith('.') && !part.endsWith('-') && !part.endsWith('.git');
}

export interface RepoName {
  namespace: string;
  name: string;
}

export function parseRepoId(id: string): RepoName {
  const parts = id.split('/');
  const [namespace, name] = parts;
  if (parts.length !== 2 || namespace === undefined || name === undefined || !isValidNamePart(namespace) || !isValidNamePart(name)) {
    throw new ModaError(
      'REPO_NAME_INVALID',
      `"${id}" is not a valid repo id: use namespace/name with letters, digits, "-", "_" and "." (no "--" or "..", at most 96 characters each)`,
    );
  }
  return { namespace, name };
}

export function isValidUserName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/.test(name) && !name.includes('--') && !name.endsWith('-');
}

/** Validates a file path inside a repo and returns it unchanged. */
export function checkFilePath(path: string): string {
  const reason = filePathProblem(path);
  if (reason) throw new ModaError('PATH_INVALID', `invalid path "${path.replace(/[\0-\x1f]/g, '?')}": ${reason}`);
  return path;
}

function filePathProblem(path: string): string | undefined {
  if (path.length === 0) return 'empty';
  if (path.length > 1024) return 'longer than 1024 characters';
  if (/[\0-\x1f\x7f]/.test(path)) return 'control characters are not allowed';
  if (path.includes('\\')) return 'backslashes are not allowed';
  if (path.startsWith('/')) return 'absolute paths are not allowed';
  if (path.endsWith('/')) return 'a file path cannot end with "/"';
  for (const segment of path.split('/')) {
    if (segment === '') return 'empty path segment';
    if (segment === '.' || segment === '..') return '"." and ".." segments are not allowed';
    if (isDotGit(segment)) return '".git" is reserved (also as ".GIT", ".git.", "git~1" or with invisible characters)';
  }
  return undefined;
}

// HFS+ ignores these code points in names, so `.g\u200cit` is `.git` there (git's next_hfs_char).
const HFS_IGNORABLE = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

/**
 * A path component that some file system git supports reads as `.git`: git's verify_path with
 * core.protectNTFS and core.protectHFS (which pushes get through receive.fsckObjects). NTFS drops
 * trailing dots and spaces, reads `name:stream` as `name`, and has the 8.3 short name `git~1`;
 * HFS+ folds case and ignores the code points above.
 */
function isDotGit(segment: string): boolean {
  if (/^(\.git|git~1)[. ]*(:.*)?$/i.test(segment)) return true;
  return segment.replace(HFS_IGNORABLE, '').toLowerCase() === '.git';
}

/**
 * Whether a tree entry called `name` is read as `.gitmodules` by git's fsck (case-insensitive, the
 * NTFS forms `.gitmodules .` and `gitmod~1`, the HFS+ invisible characters): its content must then
 * pass the .gitmodules checks (check-gitmodules.ts).
 */
export function isDotGitmodules(name: string): boolean {
  if (/^(\.gitmodules|gitmod~[1-4]|gi7eba~[1-9])[. ]*(:.*)?$/i.test(name)) return true;
  return name.replace(HFS_IGNORABLE, '').toLowerCase() === '.gitmodules';
}

/** Validates a folder prefix (may be empty for the root). */
export function checkFolderPath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '' : checkFilePath(trimmed);
}

/** Validates a branch or tag name as git's check-ref-format would, without shelling out. */
export function checkRefName(name: string): string {
  const bad =
    name.length === 0 ||
    name.length > 255 ||
    name.startsWith('-') ||
    name.startsWith('/') ||
    name.endsWith('/') ||
    name.endsWith('.') ||
    name.endsWith('.lock') ||
    name.includes('..') ||
    name.includes('//') ||
    name.includes('@{') ||
    name === '@' ||
    /[\0-\x20\x7f~^:?*[\\]/.test(name) ||
    name.split('/').some((segment) => segment.startsWith('.'));
  if (bad) throw new ModaError('REVISION_INVALID', `"${name.replace(/[\0-\x1f]/g, '?')}" is not a valid branch or tag name`);
  return name;
}

export const COMMIT_SHA = /^[0-9a-f]{40}$/;

export function repoTypePlural(type: RepoType): 'models' | 'datasets' {
  return type === 'model' ? 'models' : 'datasets';
}

/** URL prefix of a repo in Hugging Face routes: none for models, `datasets/` for datasets. */
export function repoUrlPrefix(type: RepoType): string {
  return type === 'model' ? '' : 'datasets/';
}
