// Downloads files of a repo revision into the Hugging Face-style cache (hf-cache.ts) and, optionally,
// copies them into a plain folder. The revision is resolved to a commit once; each file's blob is
// fetched only when the cache lacks it, so a repeated download moves no file content at all.
import { constants } from 'node:fs';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ModaError } from '../errors/moda-error.js';
import type { RepoInfo, RepoSibling, RepoType } from './api-types.js';
import { downloadBlob } from './download-blob.js';
import { blobSize, linkSnapshotFile, readRef, repoCache, writeRef, type RepoCache } from './hf-cache.js';
import { DEFAULT_REVISION, type ModaClient } from './moda-client.js';
import { lastOf, progressChannel, type Emit } from './progress-channel.js';

export interface DownloadOptions {
  type?: RepoType;
  /** Branch, tag or commit; default `main`. */
  revision?: string;
  /** Root of the cache, e.g. `$MODA_HOME/cache/hub`. */
  cacheDir: string;
  /** Also copy the files into this plain folder. */
  localDir?: string;
  /** Files larger than this are fetched as parallel ranged parts; default 32 MiB. */
  parallelThresholdBytes?: number;
  /** Size of one ranged part; default 8 MiB. */
  partSizeBytes?: number;
  /** Parts fetched at once; default 4. */
  concurrency?: number;
  signal?: AbortSignal;
}

export interface DownloadedFile {
  path: string;
  size: number;
  /** sha256 for LFS files, git blob sha1 otherwise. */
  etag: string;
  blobPath: string;
  snapshotPath: string;
  localPath?: string;
}

export interface DownloadResult {
  commit: string;
  /** `snapshots/{commit}` of the repo's cache folder. */
  snapshotPath: string;
  localDir?: string;
  files: DownloadedFile[];
  /** True when the server could not be reached and the cached snapshot was used as it is. */
  offline?: boolean;
}

export type DownloadEvent =
  | { event: 'resolved'; commit: string; files: { path: string; size: number; cached: boolean }[]; totalBytes: number; missingBytes: number }
  | { event: 'fileProgress'; path: string; bytes: number; size: number }
  | { event: 'fileDone'; path: string; size: number; cached: boolean }
  | { event: 'done'; result: DownloadResult };

export const DEFAULT_PARALLEL_THRESHOLD = 32 * 1024 * 1024;
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

interface PlannedFile {
  path: string;
  size: number;
  etag: string;
}

function planFile(sibling: RepoSibling): PlannedFile {
  const etag = sibling.lfs?.sha256 ?? sibling.blobId;
  if (etag === undefined || sibling.size === undefined) {
    throw new ModaError('BAD_REQUEST', `the server did not say the size and id of ${sibling.rfilename} (blobs=true unsupported?)`);
  }
  return { path: sibling.rfilename, size: sibling.size, etag };
}

/** Files wanted: all, or those named (a folder name selects what is under it). */
function selectFiles(files: PlannedFile[], paths: string[] | undefined, repo: string, commit: string): PlannedFile[] {
  if (!paths || paths.length === 0) return files;
  const wanted = paths.map((path) => path.replace(/^\/+|\/+$/g, ''));
  for (const path of wanted) {
    if (!files.some((file) => file.path === path || file.path.startsWith(`${path}/`))) {
      throw new ModaError('HUB_ENTRY_NOT_FOUND', `${path} does not exist in ${repo} at ${commit}`);
    }
  }
  return files.filter((file) => wanted.some((path) => file.path === path || file.path.startsWith(`${path}/`)));
}

async function listSnapshot(folder: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const paths: string[] = [];
  for (const entry of entries) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) paths.push(...(await listSnapshot(join(folder, entry.name), path)));
    else paths.push(path);
  }
  return paths;
}

/** The cached snapshot of `revision`, for when the server is unreachable. */
async function offlineResult(cache: RepoCache, revision: string, paths: string[] | undefined): Promise<DownloadResult | undefined> {
  const commit = /^[0-9a-f]{40}$/.test(revision) ? revision : await readRef(cache, revision);
  if (!commit) return undefined;
  const snapshotPath = cache.snapshotDir(commit);
  const all = await listSnapshot(snapshotPath).catch(() => undefined);
  if (!all) return undefined;
  const selected = paths && paths.length > 0 ? all.filter((path) => paths.some((wanted) => path === wanted || path.startsWith(`${wanted}/`))) : all;
  if (paths && paths.length > 0 && selected.length === 0) return undefined;
  return { commit, snapshotPath, offline: true, files: selected.map((path) => ({ path, size: -1, etag: '', blobPath: '', snapshotPath: cache.snapshotFile(commit, path) })) };
}

async function runDownload(client: ModaClient, repo: string, paths: string[] | undefined, options: DownloadOptions, emit: Emit<DownloadEvent>, signal: AbortSignal): Promise<void> {
  const type = options.type ?? 'model';
  const revision = options.revision ?? DEFAULT_REVISION;
  const cache = repoCache(options.cacheDir, type, repo);

  let info: RepoInfo;
  try {
    info = await client.repoInfo(repo, { type, revision, blobs: true, signal });
  } catch (error) {
    const cached = error instanceof ModaError && error.code === 'UPSTREAM_UNAVAILABLE' ? await offlineResult(cache, revision, paths) : undefined;
    if (!cached) throw error;
    if (options.localDir) await copyToLocalDir(cached, options.localDir);
    emit({ event: 'done', result: cached });
    return;
  }
  const commit = info.sha;
  const files = selectFiles((info.siblings ?? []).map(planFile), paths, repo, commit);
  if (revision !== commit) await writeRef(cache, revision, commit);

  const cached = await Promise.all(files.map(async (file) => (await blobSize(cache, file.etag)) === file.size));
  emit({
    event: 'resolved',
    commit,
    files: files.map((file, index) => ({ path: file.path, size: file.size, cached: cached[index] === true })),
    totalBytes: files.reduce((sum, file) => sum + file.size, 0),
    missingBytes: files.reduce((sum, file, index) => sum + (cached[index] ? 0 : file.size), 0),
  });

  const result: DownloadResult = { commit, snapshotPath: cache.snapshotDir(commit), files: [] };
  await mkdir(result.snapshotPath, { recursive: true });
  for (const [index, file] of files.entries()) {
    const blobPath = cache.blobPath(file.etag);
    // Two paths with the same content share a blob: the first fetch serves both.
    if (!cached[index] && (await blobSize(cache, file.etag)) !== file.size) {
      await mkdir(dirname(blobPath), { recursive: true });
      await downloadBlob({
        blobPath,
        size: file.size,
        etag: file.etag,
        label: file.path,
        // The commit sha, not the revision: a branch that moves mid-download cannot mix versions.
        fetchRange: (range, partSignal) => client.fetchFile(repo, file.path, { type, revision: commit, range, signal: partSignal }),
        parallelThresholdBytes: options.parallelThresholdBytes ?? DEFAULT_PARALLEL_THRESHOLD,
        partSizeBytes: options.partSizeBytes ?? DEFAULT_PART_SIZE,
        concurrency: options.concurrency ?? 4,
        signal,
        onBytes: (bytes) => emit({ event: 'fileProgress', path: file.path, bytes, size: file.size }),
      });
    }
    const snapshotPath = await linkSnapshotFile(cache, commit, file.path, file.etag);
    result.files.push({ path: file.path, size: file.size, etag: file.etag, blobPath, snapshotPath });
    emit({ event: 'fileDone', path: file.path, size: file.size, cached: cached[index] === true });
  }
  if (options.localDir) await copyToLocalDir(result, options.localDir);
  emit({ event: 'done', result });
}

/** Copies (copy-on-write where the file system can) each file out of the cache into a plain folder. */
async function copyToLocalDir(result: DownloadResult, localDir: string): Promise<void> {
  result.localDir = localDir;
  for (const file of result.files) {
    const target = join(localDir, ...file.path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(file.snapshotPath, target, constants.COPYFILE_FICLONE);
    file.localPath = target;
  }
}

/** Downloads `paths` (all files when empty) of `repo` at a revision, reporting progress as it goes. */
export function downloadIter(client: ModaClient, repo: string, paths: string[] | undefined, options: DownloadOptions): AsyncGenerator<DownloadEvent, void, undefined> {
  return progressChannel<DownloadEvent>((emit, signal) => runDownload(client, repo, paths, options, emit, signal), options.signal);
}

/** Downloads and returns where the files are. */
export function download(client: ModaClient, repo: string, paths: string[] | undefined, options: DownloadOptions): Promise<DownloadResult> {
  return lastOf(downloadIter(client, repo, paths, options), (event) => (event.event === 'done' ? event.result : undefined));
}
