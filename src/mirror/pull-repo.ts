// `moda pull`: copies an upstream repo at a revision into the local hub as ONE commit that carries
// the upstream head commit's message.
//
// The pull runs in the CLI process as a client of the local server's public API, not as a server
// job: it needs no new server route, the local side goes through the same checks as any upload
// (auth, LFS batch, sha256-verified PUT, NDJSON commit with parentCommit), and the CLI can show
// progress and be interrupted with Ctrl-C. The read-through mirror (mirror-repo.ts) is the
// server-side variant and shares the upstream readers.
//
// Order matters for "nothing half-imported becomes visible": every file is first downloaded into
// $MODA_HOME/pull-cache and verified (sha256 or git blob sha1, downloadBlob's ranged resume), and
// only then is the local repo created (private), the LFS objects uploaded and the one commit made;
// a repo meant to be public is opened after the commit. An interrupted pull leaves only the cache,
// so running it again fetches just what is missing: finished files are kept by digest and a
// half-downloaded one resumes with `Range`. Files the local hub already has (same path and digest
// in the target repo, or an LFS object in the shared blob store, whatever repo brought it, even
// when the target repo does not exist yet) are not fetched.
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { CommitOperation, RepoInfo, RepoSibling, RepoType } from '../client/api-types.js';
import { downloadBlob } from '../client/download-blob.js';
import { DEFAULT_PARALLEL_THRESHOLD, DEFAULT_PART_SIZE } from '../client/download.js';
import { checkRepoId, DEFAULT_REVISION, type ModaClient } from '../client/moda-client.js';
import { lastOf, progressChannel, type Emit } from '../client/progress-channel.js';
import { fileBodyStream } from '../client/upload.js';
import { isModaError, ModaError } from '../errors/moda-error.js';
import { fileFilter, isFiltered } from './select-files.js';
import { digestOf, fromUpstream, type Upstream, type UpstreamFile, type UpstreamSnapshot } from './upstream.js';

export interface PullOptions {
  upstream: Upstream;
  /** Client of the local Moda server, with a token that may create and write the target repo. */
  local: ModaClient;
  type: RepoType;
  /** Local repo id; default: the upstream's. */
  to?: string;
  /** Folder for partial and finished downloads, e.g. `$MODA_HOME/pull-cache`. */
  cacheDir: string;
  /** Make a newly created local repo private whatever the upstream says. */
  private?: boolean;
  /**
   * Only the upstream files these fnmatch patterns select (`*Q4_K_M.gguf`), as huggingface_hub's
   * allow/ignore patterns. Local files outside the selection are left as they are, so pulling one
   * quantisation after another gathers them in one repo.
   */
  include?: readonly string[];
  exclude?: readonly string[];
  /** Files larger than this are fetched as parallel ranged parts; default 32 MiB. */
  parallelThresholdBytes?: number;
  partSizeBytes?: number;
  /** Ranged parts of one file fetched at once; default 4. */
  concurrency?: number;
  signal?: AbortSignal;
}

/** Where a file's content comes from: already in the target repo, the local blob store, the pull cache, or the upstream. */
export type FileSource = 'repo' | 'store' | 'cache' | 'upstream';

export type PullPhase = 'resolving' | 'downloading' | 'uploading' | 'committing' | 'verifying';

export interface PullResult {
  repo: string;
  type: RepoType;
  upstream: string;
  /** Upstream commit sha (HF API) or revision name (ModelScope). */
  upstreamRevision: string;
  /** Local commit holding the pulled files (the existing head when nothing changed). */
  commitOid: string;
  commitUrl?: string;
  created: boolean;
  upToDate: boolean;
  private: boolean;
  files: number;
  /** Bytes fetched from the upstream by this run. */
  downloadedBytes: number;
}

export type PullEvent =
  | { event: 'phase'; phase: PullPhase }
  | { event: 'resolved'; upstream: string; revision: string; files: { path: string; size: number; source: FileSource }[]; totalBytes: number; downloadBytes: number; skippedFiles: number }
  | { event: 'fileProgress'; path: string; state: 'downloading' | 'uploading'; bytes: number; size: number }
  | { event: 'fileDone'; path: string; size: number; source: FileSource }
  | { event: 'namespaceCreated'; namespace: string }
  | { event: 'repoCreated'; repo: string }
  | { event: 'done'; result: PullResult };

/** Files with no LFS flag from the upstream (ModelScope) this large are looked up in the local store. */
const LFS_GUESS_BYTES = 10 * 1024 * 1024;
const LFS_BATCH = 100;
const PREUPLOAD_BATCH = 256;

interface PlannedFile extends UpstreamFile {
  digest: string;
  source: FileSource;
  blobPath: string;
  /** Decided before committing: LFS object or inline file. */
  mode?: 'lfs' | 'regular';
  /** Digests of inline content, computed while committing, checked after. */
  contentSha256?: string;
  contentGitSha1?: string;
}

interface LocalState {
  info: RepoInfo;
  files: Map<string, RepoSibling>;
}

async function readLocal(local: ModaClient, repo: string, type: RepoType, signal: AbortSignal, revision = DEFAULT_REVISION): Promise<LocalState | undefined> {
  try {
    const info = await local.repoInfo(repo, { type, revision, blobs: true, signal });
    return { info, files: new Map((info.siblings ?? []).map((sibling) => [sibling.rfilename, sibling])) };
  } catch (error) {
    if (isModaError(error) && (error.code === 'HUB_REPO_NOT_FOUND' || error.code === 'NOT_FOUND')) return undefined;
    throw error;
  }
}

/** True when the local sibling already holds exactly this upstream file. */
function sameContent(file: UpstreamFile, sibling: RepoSibling | undefined): boolean {
  if (!sibling || sibling.size !== file.size) return false;
  if (sibling.lfs) return file.sha256 !== undefined && sibling.lfs.sha256 === file.sha256;
  return file.gitSha1 !== undefined && sibling.blobId === file.gitSha1;
}

async function cachedSize(path: string): Promise<number | undefined> {
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() ? info.size : undefined;
}

async function readSample(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(512);
    const { bytesRead } = await handle.read(buffer, 0, 512, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Which of `files` the local blob store already holds. The store is shared by every repo, so this
 * is asked through `/api/blobs/stored`, which needs no repo: weights imported under another name
 * count even when the target repo does not exist yet. A server without that route is asked
 * through the target repo's LFS batch (an answer without actions), when the repo exists.
 */
async function storedLocally(local: ModaClient, repo: string, type: RepoType, exists: boolean, files: PlannedFile[], signal: AbortSignal): Promise<Set<string>> {
  const stored = new Set<string>();
  const objects = [...new Map(files.map((file) => [file.sha256 as string, { oid: file.sha256 as string, size: file.size }])).values()];
  for (let start = 0; start < objects.length; start += LFS_BATCH) {
    const batch = objects.slice(start, start + LFS_BATCH);
    try {
      const answer = await local.requestJson<{ objects: { oid: string; stored: boolean }[] }>('/api/blobs/stored', {
        method: 'POST',
        json: { objects: batch },
        signal,
        what: 'asking the local blob store what it holds',
      });
      for (const object of answer.objects) if (object.stored) stored.add(object.oid);
      continue;
    } catch (error) {
      if (!isModaError(error) || error.code !== 'NOT_FOUND') throw error;
    }
    if (!exists) return stored;
    const answer = await local.lfsBatch(repo, 'upload', batch, { type, signal });
    for (const object of answer.objects) if (!object.error && !object.actions?.upload) stored.add(object.oid);
  }
  return stored;
}

async function ensureNamespace(local: ModaClient, namespace: string, emit: Emit<PullEvent>): Promise<void> {
  try {
    await local.namespaceInfo(namespace);
  } catch (error) {
    if (!isModaError(error) || (error.code !== 'HUB_USER_NOT_FOUND' && error.code !== 'NOT_FOUND')) throw error;
    // Pulling `org/model` keeps its id, so the organization is created (the puller becomes its admin).
    await local.createOrganization({ name: namespace });
    emit({ event: 'namespaceCreated', namespace });
  }
}

/** Fetches one file into the cache (resuming what an earlier run left); returns the bytes moved. */
async function download(options: PullOptions, snapshot: UpstreamSnapshot, file: PlannedFile, emit: Emit<PullEvent>, signal: AbortSignal): Promise<number> {
  let first: number | undefined;
  let last = 0;
  await fromUpstream(
    snapshot.label,
    () =>
      downloadBlob({
        blobPath: file.blobPath,
        size: file.size,
        etag: file.digest,
        label: `${snapshot.label}/${file.path}`,
        fetchRange: (range, partSignal) => options.upstream.fetchFile(snapshot, file.path, range, partSignal),
        parallelThresholdBytes: options.parallelThresholdBytes ?? DEFAULT_PARALLEL_THRESHOLD,
        partSizeBytes: options.partSizeBytes ?? DEFAULT_PART_SIZE,
        concurrency: options.concurrency ?? 4,
        signal,
        onBytes: (bytes) => {
          first ??= bytes;
          last = bytes;
          emit({ event: 'fileProgress', path: file.path, state: 'downloading', bytes, size: file.size });
        },
      }),
    signal,
  );
  return Math.max(last - (first ?? 0), 0);
}

/** Decides LFS or inline for each file to commit: the upstream's word, else the local preupload's. */
async function decideModes(local: ModaClient, repo: string, type: RepoType, files: PlannedFile[], signal: AbortSignal): Promise<void> {
  for (const file of files) if (file.source === 'store' || file.lfs !== undefined) file.mode = file.source === 'store' || file.lfs ? 'lfs' : 'regular';
  const undecided = files.filter((file) => file.mode === undefined);
  for (let start = 0; start < undecided.length; start += PREUPLOAD_BATCH) {
    const batch = undecided.slice(start, start + PREUPLOAD_BATCH);
    const samples = await Promise.all(batch.map(async (file) => ({ path: file.path, size: file.size, sample: await readSample(file.blobPath) })));
    const answer = await local.preupload(repo, samples, { type, signal });
    const modes = new Map(answer.files.map((entry) => [entry.path, entry.uploadMode]));
    for (const file of batch) file.mode = modes.get(file.path) === 'lfs' && file.sha256 !== undefined ? 'lfs' : 'regular';
  }
}

async function uploadObjects(local: ModaClient, repo: string, type: RepoType, files: PlannedFile[], emit: Emit<PullEvent>, signal: AbortSignal): Promise<void> {
  const byOid = new Map<string, PlannedFile>();
  for (const file of files) if (file.mode === 'lfs' && file.source !== 'store') byOid.set(file.sha256 as string, file);
  const objects = [...byOid.values()].map((file) => ({ oid: file.sha256 as string, size: file.size }));
  for (let start = 0; start < objects.length; start += LFS_BATCH) {
    const answer = await local.lfsBatch(repo, 'upload', objects.slice(start, start + LFS_BATCH), { type, signal });
    for (const object of answer.objects) {
      const file = byOid.get(object.oid);
      if (!file) throw new ModaError('BAD_REQUEST', `the local LFS batch answered for an object that was not asked for (${object.oid})`);
      if (object.error) throw new ModaError(object.error.code === 413 ? 'LFS_OBJECT_TOO_LARGE' : 'LFS_OBJECT_MISMATCH', `${file.path}: ${object.error.message}`);
      const upload = object.actions?.upload;
      if (upload) {
        const body = fileBodyStream(file.blobPath, file.size, (bytes) => emit({ event: 'fileProgress', path: file.path, state: 'uploading', bytes, size: file.size }));
        await local.request(upload.href, {
          method: 'PUT',
          headers: { 'content-type': 'application/octet-stream', 'content-length': String(file.size), ...upload.header },
          body,
          duplex: 'half',
          signal,
          authenticate: new URL(upload.href).origin === new URL(local.endpoint).origin,
          what: `uploading ${file.path}`,
        });
        const verify = object.actions?.verify;
        if (verify) {
          await local.request(verify.href, {
            method: 'POST',
            headers: { 'content-type': 'application/vnd.git-lfs+json', accept: 'application/vnd.git-lfs+json', ...verify.header },
            body: JSON.stringify({ oid: object.oid, size: file.size }),
            signal,
            authenticate: new URL(verify.href).origin === new URL(local.endpoint).origin,
            what: `verifying ${file.path}`,
          });
        }
      }
      emit({ event: 'fileProgress', path: file.path, state: 'uploading', bytes: file.size, size: file.size });
    }
  }
}

async function operationFor(file: PlannedFile): Promise<CommitOperation> {
  if (file.mode === 'lfs') return { kind: 'lfsFile', path: file.path, oid: file.sha256 as string, size: file.size };
  const content = await readFile(file.blobPath);
  file.contentSha256 = createHash('sha256').update(content).digest('hex');
  file.contentGitSha1 = createHash('sha1').update(`blob ${content.byteLength}\0`).update(content).digest('hex');
  return { kind: 'file', path: file.path, content };
}

/** Reads the new commit back and checks every upstream file is there with its exact content. */
function checkLocalCopy(state: LocalState, snapshot: UpstreamSnapshot, planned: PlannedFile[], selected: (path: string) => boolean): void {
  const expected = new Set(snapshot.files.map((file) => file.path));
  for (const path of state.files.keys()) {
    if (selected(path) && !expected.has(path)) throw new ModaError('INTERNAL', `the local copy holds ${path}, which ${snapshot.label} does not have`);
  }
  for (const file of planned) {
    const sibling = state.files.get(file.path);
    const sha256 = file.sha256 ?? file.contentSha256;
    const gitSha1 = file.gitSha1 ?? file.contentGitSha1;
    const matches =
      sibling !== undefined &&
      sibling.size === file.size &&
      (sibling.lfs ? sha256 !== undefined && sibling.lfs.sha256 === sha256 : gitSha1 !== undefined && sibling.blobId === gitSha1);
    if (!matches) throw new ModaError('INTERNAL', `the local copy of ${file.path} does not match ${snapshot.label}`);
  }
}

async function runPull(options: PullOptions, emit: Emit<PullEvent>, signal: AbortSignal): Promise<void> {
  const { upstream, local, type } = options;
  emit({ event: 'phase', phase: 'resolving' });
  const whole = await upstream.snapshot(signal);
  const selected = fileFilter(options);
  const snapshot: UpstreamSnapshot = { ...whole, files: whole.files.filter((file) => selected(file.path)) };
  if (snapshot.files.length === 0 && isFiltered(options)) throw new ModaError('PULL_NOTHING_SELECTED', `no file of ${whole.label} matches ${[...(options.include ?? []).map((pattern) => `--include ${pattern}`), ...(options.exclude ?? []).map((pattern) => `--exclude ${pattern}`)].join(' ')} (it has ${whole.files.length} file(s))`);
  const repo = options.to ?? snapshot.repo;
  const { namespace } = checkRepoId(repo);
  const blobs = join(options.cacheDir, 'blobs');
  await mkdir(blobs, { recursive: true });

  let state = await readLocal(local, repo, type, signal);
  const planned: PlannedFile[] = snapshot.files.map((file) => ({ ...file, digest: digestOf(file), source: 'upstream', blobPath: join(blobs, digestOf(file)) }));
  for (const file of planned) {
    if (sameContent(file, state?.files.get(file.path))) file.source = 'repo';
  }
  const lfsCandidates = planned.filter((file) => file.source === 'upstream' && file.sha256 !== undefined && (file.lfs ?? file.size >= LFS_GUESS_BYTES));
  if (lfsCandidates.length > 0) {
    const stored = await storedLocally(local, repo, type, state !== undefined, lfsCandidates, signal);
    for (const file of lfsCandidates) if (stored.has(file.sha256 as string)) file.source = 'store';
  }
  for (const file of planned) {
    if (file.source === 'upstream' && (await cachedSize(file.blobPath)) === file.size) file.source = 'cache';
  }
  emit({
    event: 'resolved',
    upstream: snapshot.label,
    revision: snapshot.revision,
    files: planned.map((file) => ({ path: file.path, size: file.size, source: file.source })),
    totalBytes: planned.reduce((sum, file) => sum + file.size, 0),
    downloadBytes: planned.reduce((sum, file) => sum + (file.source === 'upstream' ? file.size : 0), 0),
    skippedFiles: whole.files.length - snapshot.files.length,
  });

  // Smallest first: many small files finish early and survive an interruption in a large one.
  emit({ event: 'phase', phase: 'downloading' });
  let downloadedBytes = 0;
  const fetched = new Set<string>();
  for (const file of [...planned].sort((a, b) => a.size - b.size)) {
    if (file.source === 'upstream' && !fetched.has(file.digest)) {
      downloadedBytes += await download(options, snapshot, file, emit, signal);
      fetched.add(file.digest);
    }
    emit({ event: 'fileDone', path: file.path, size: file.size, source: file.source });
  }

  // Everything is verified on disk: only now does the local hub see anything.
  let created = false;
  if (!state) {
    await ensureNamespace(local, namespace, emit);
    // Private until the commit has landed, so nobody sees the empty repo.
    await local.createRepo(repo, { type, private: true });
    created = true;
    emit({ event: 'repoCreated', repo });
    state = await readLocal(local, repo, type, signal);
    if (!state) throw new ModaError('INTERNAL', `${repo} was created but cannot be read back`);
  }
  const wantPrivate = options.private === true || snapshot.restricted;
  const changed = planned.filter((file) => file.source !== 'repo');
  const upstreamPaths = new Set(planned.map((file) => file.path));
  // A repo this pull created holds only what the hub put there on creation: the selection replaces it.
  const owned = (path: string) => created || selected(path);
  const deletions: CommitOperation[] = [...state.files.keys()].filter((path) => owned(path) && !upstreamPaths.has(path)).map((path) => ({ kind: 'deletedFile', path }));

  let commitOid = state.info.sha;
  let commitUrl: string | undefined;
  const operations = [...deletions];
  if (changed.length > 0) {
    emit({ event: 'phase', phase: 'uploading' });
    await decideModes(local, repo, type, changed, signal);
    await uploadObjects(local, repo, type, changed, emit, signal);
    for (const file of changed) {
      const operation = await operationFor(file);
      // An inline file known upstream only by sha256 (ModelScope) may already be here byte for byte.
      const existing = state.files.get(file.path);
      if (operation.kind === 'file' && existing && !existing.lfs && existing.blobId === file.contentGitSha1) continue;
      operations.push(operation);
    }
  }
  const upToDate = operations.length === 0;
  if (!upToDate) {
    emit({ event: 'phase', phase: 'committing' });
    const summary = snapshot.title || `Pull ${snapshot.label}@${snapshot.revision}`;
    const result = await local.commit(repo, operations, { type, summary, description: snapshot.message, parentCommit: state.info.sha, signal });
    commitOid = result.commitOid;
    commitUrl = result.commitUrl;
  }

  emit({ event: 'phase', phase: 'verifying' });
  const copy = await readLocal(local, repo, type, signal, commitOid);
  if (!copy) throw new ModaError('INTERNAL', `${repo} disappeared while pulling`);
  checkLocalCopy(copy, snapshot, planned, owned);
  if (created && !wantPrivate) await local.updateRepoSettings(repo, { private: false }, { type, signal });

  // The blob store holds the content now; the cache copies only cost disk.
  await Promise.all(planned.map((file) => rm(file.blobPath, { force: true })));
  emit({
    event: 'done',
    result: {
      repo,
      type,
      upstream: snapshot.label,
      upstreamRevision: snapshot.revision,
      commitOid,
      commitUrl,
      created,
      upToDate,
      private: created ? wantPrivate : copy.info.private,
      files: planned.length,
      downloadedBytes,
    },
  });
}

/** Pulls an upstream repo into the local hub, reporting progress as it goes (STYLE §7). */
export function pullIter(options: PullOptions): AsyncGenerator<PullEvent, void, undefined> {
  return progressChannel<PullEvent>((emit, signal) => runPull(options, emit, signal), options.signal);
}

/** Pulls and returns where the copy landed. */
export function pull(options: PullOptions): Promise<PullResult> {
  return lastOf(pullIter(options), (event) => (event.event === 'done' ? event.result : undefined));
}
