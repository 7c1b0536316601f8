// The Hugging Face cache layout, so tools that read ~/.cache/huggingface/hub also read Moda's cache:
//   {cacheDir}/{models|datasets}--{ns}--{name}/blobs/{etag}            content, named by sha256 or git sha1
//                                             /snapshots/{commit}/{path} relative symlinks to blobs
//                                             /refs/{revision}           the commit a revision last resolved to
// Every name that comes from the server is validated before it touches the disk.
import { lstat, mkdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { ModaError } from '../errors/moda-error.js';
import { checkFilePath, checkRefName } from '../hub/paths.js';
import type { RepoType } from './api-types.js';
import { checkRepoId } from './moda-client.js';

const ETAG = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const COMMIT = /^[0-9a-f]{40}$/;

export interface RepoCache {
  /** `{cacheDir}/models--ns--name`. */
  root: string;
  blobPath(etag: string): string;
  snapshotDir(commit: string): string;
  snapshotFile(commit: string, path: string): string;
  refPath(revision: string): string;
}

export function repoFolderName(type: RepoType, repo: string): string {
  const { namespace, name } = checkRepoId(repo);
  return `${type}s--${namespace}--${name}`;
}

function checkEtag(etag: string): string {
  if (!ETAG.test(etag)) throw new ModaError('BAD_REQUEST', `the server sent an invalid content id "${etag}"`);
  return etag;
}

function checkCommit(commit: string): string {
  if (!COMMIT.test(commit)) throw new ModaError('BAD_REQUEST', `the server sent an invalid commit id "${commit}"`);
  return commit;
}

export function repoCache(cacheDir: string, type: RepoType, repo: string): RepoCache {
  const root = join(cacheDir, repoFolderName(type, repo));
  return {
    root,
    blobPath: (etag) => join(root, 'blobs', checkEtag(etag)),
    snapshotDir: (commit) => join(root, 'snapshots', checkCommit(commit)),
    snapshotFile: (commit, path) => join(root, 'snapshots', checkCommit(commit), ...checkFilePath(path).split('/')),
    refPath: (revision) => join(root, 'refs', ...checkRefName(revision).split('/')),
  };
}

export async function writeRef(cache: RepoCache, revision: string, commit: string): Promise<void> {
  const path = cache.refPath(revision);
  await mkdir(dirname(path), { recursive: true });
  const scratch = `${path}.${process.pid}.tmp`;
  await writeFile(scratch, checkCommit(commit));
  await rename(scratch, path);
}

export async function readRef(cache: RepoCache, revision: string): Promise<string | undefined> {
  const text = await readFile(cache.refPath(revision), 'utf8').catch(() => undefined);
  return text !== undefined && COMMIT.test(text.trim()) ? text.trim() : undefined;
}

/** Size of a complete blob, or undefined when it is not in the cache. */
export async function blobSize(cache: RepoCache, etag: string): Promise<number | undefined> {
  const info = await stat(cache.blobPath(etag)).catch(() => undefined);
  return info?.isFile() ? info.size : undefined;
}

/** Points `snapshots/{commit}/{path}` at `blobs/{etag}` with a relative symlink (idempotent). */
export async function linkSnapshotFile(cache: RepoCache, commit: string, path: string, etag: string): Promise<string> {
  const file = cache.snapshotFile(commit, path);
  const target = relative(dirname(file), cache.blobPath(etag));
  await mkdir(dirname(file), { recursive: true });
  const existing = await lstat(file).catch(() => undefined);
  if (existing) {
    if (existing.isSymbolicLink() && (await readlink(file)) === target) return file;
    await rm(file, { recursive: true, force: true });
  }
  await symlink(target, file);
  return file;
}
