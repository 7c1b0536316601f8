// Uploads a local file or folder as one commit, the way huggingface.js's commitIter does: preupload
// tells regular from LFS files, LFS files are hashed and PUT as streams (never held in memory) to
// the hrefs of the LFS batch answer, and one NDJSON commit names them all. Progress is an async
// iterator of events; `upload` is the wrapper that just returns the commit.
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { ModaError } from '../errors/moda-error.js';
import type { CommitOperation, CommitResult, LfsAction, RepoType } from './api-types.js';
import { sha256OfFile } from './file-digest.js';
import { listLocalFiles, type LocalFile } from './list-local-files.js';
import { checkRepoId, DEFAULT_REVISION, type ModaClient } from './moda-client.js';
import { lastOf, progressChannel, type Emit } from './progress-channel.js';
import { runPool } from './run-pool.js';

export interface UploadOptions {
  type?: RepoType;
  /** Branch to commit to; default `main`. */
  revision?: string;
  /** Commit summary; default "Upload <n> files with Moda". */
  message?: string;
  description?: string;
  /** Folder the files go into (folder upload) or the file's path in the repo (file upload). */
  pathInRepo?: string;
  /** LFS objects sent at once; default 3. */
  concurrency?: number;
  signal?: AbortSignal;
}

export type UploadPhase = 'scanning' | 'preuploading' | 'hashing' | 'uploading' | 'committing';

export type UploadEvent =
  | { event: 'phase'; phase: UploadPhase }
  | { event: 'plan'; files: { path: string; size: number; mode: 'lfs' | 'regular' }[]; totalBytes: number; lfsBytes: number }
  /** `alreadyStored`: the server had the object, nothing was sent. */
  | { event: 'fileProgress'; path: string; state: 'hashing' | 'uploading'; bytes: number; size: number; alreadyStored?: boolean }
  | { event: 'committed'; commitOid: string; commitUrl: string; files: number };

const PREUPLOAD_BATCH = 256;
const LFS_BATCH = 100;
const SAMPLE_BYTES = 512;
const READ_CHUNK = 1024 * 1024;

async function readSample(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(SAMPLE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SAMPLE_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** A file of `size` bytes as a ReadableStream body, read in 1 MiB chunks on demand (backpressure from the socket). */
export function fileBodyStream(path: string, size: number, onBytes: (bytes: number) => void): ReadableStream<Uint8Array> {
  let handle: FileHandle | undefined;
  let position = 0;
  const closeHandle = async () => {
    const current = handle;
    handle = undefined;
    await current?.close();
  };
  return new ReadableStream<Uint8Array>(
    {
      async start(controller) {
        if (size === 0) controller.close();
        else handle = await open(path, 'r');
      },
      async pull(controller) {
        if (!handle) return;
        const length = Math.min(READ_CHUNK, size - position);
        const buffer = new Uint8Array(length);
        const { bytesRead } = await handle.read(buffer, 0, length, position);
        if (bytesRead === 0) {
          await closeHandle();
          controller.close();
          return;
        }
        position += bytesRead;
        controller.enqueue(buffer.subarray(0, bytesRead));
        onBytes(position);
        // With a Content-Length the sender may stop pulling at the last byte, so end the stream here
        // rather than on a read of 0 that might never come (the handle would leak until GC).
        if (position >= size) {
          await closeHandle();
          controller.close();
        }
      },
      async cancel() {
        await closeHandle();
      },
    },
    { highWaterMark: 1 },
  );
}

function sameOrigin(href: string, endpoint: string): boolean {
  try {
    return new URL(href).origin === new URL(endpoint).origin;
  } catch {
    return false;
  }
}

async function putObject(client: ModaClient, action: LfsAction, file: LocalFile, emit: Emit<UploadEvent>, signal: AbortSignal): Promise<void> {
  const body = fileBodyStream(file.localPath, file.size, (bytes) => emit({ event: 'fileProgress', path: file.path, state: 'uploading', bytes, size: file.size }));
  await client.request(action.href, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(file.size), ...action.header },
    body,
    duplex: 'half',
    signal,
    // Batch hrefs carry a signature; the token never goes to another origin (e.g. a storage bucket).
    authenticate: sameOrigin(action.href, client.endpoint),
    what: `uploading ${file.path}`,
  });
}

async function runUpload(client: ModaClient, repo: string, localPath: string, options: UploadOptions, emit: Emit<UploadEvent>, signal: AbortSignal): Promise<void> {
  const repoOptions = { type: options.type, revision: options.revision ?? DEFAULT_REVISION, signal };
  checkRepoId(repo);

  emit({ event: 'phase', phase: 'scanning' });
  const files = await listLocalFiles(localPath, options.pathInRepo);
  if (files.length === 0) throw new ModaError('BAD_REQUEST', `${localPath} holds no files to upload`);

  emit({ event: 'phase', phase: 'preuploading' });
  const modes = new Map<string, 'lfs' | 'regular'>();
  for (let start = 0; start < files.length; start += PREUPLOAD_BATCH) {
    const batch = files.slice(start, start + PREUPLOAD_BATCH);
    const samples = await Promise.all(batch.map(async (file) => ({ path: file.path, size: file.size, sample: await readSample(file.localPath) })));
    const answer = await client.preupload(repo, samples, repoOptions);
    for (const entry of answer.files) modes.set(entry.path, entry.uploadMode);
  }
  const modeOf = (file: LocalFile) => modes.get(file.path) ?? 'regular';
  const lfsFiles = files.filter((file) => modeOf(file) === 'lfs');
  emit({
    event: 'plan',
    files: files.map((file) => ({ path: file.path, size: file.size, mode: modeOf(file) })),
    totalBytes: files.reduce((sum, file) => sum + file.size, 0),
    lfsBytes: lfsFiles.reduce((sum, file) => sum + file.size, 0),
  });

  const oids = new Map<string, string>();
  if (lfsFiles.length > 0) {
    emit({ event: 'phase', phase: 'hashing' });
    for (const file of lfsFiles) {
      const onBytes = (bytes: number) => emit({ event: 'fileProgress', path: file.path, state: 'hashing', bytes, size: file.size });
      oids.set(file.path, await sha256OfFile(file.localPath, { signal, onBytes }));
    }

    emit({ event: 'phase', phase: 'uploading' });
    // One PUT per distinct object: two paths with the same content share it.
    const byOid = new Map<string, LocalFile[]>();
    for (const file of lfsFiles) {
      const oid = oids.get(file.path) as string;
      byOid.set(oid, [...(byOid.get(oid) ?? []), file]);
    }
    const objects = [...byOid.entries()].map(([oid, sharing]) => ({ oid, size: (sharing[0] as LocalFile).size }));
    for (let start = 0; start < objects.length; start += LFS_BATCH) {
      const answer = await client.lfsBatch(repo, 'upload', objects.slice(start, start + LFS_BATCH), { type: options.type, signal });
      await runPool(answer.objects, options.concurrency ?? 3, async (object) => {
        const sharing = byOid.get(object.oid) ?? [];
        const [file] = sharing;
        if (!file) throw new ModaError('BAD_REQUEST', `the LFS batch answered for an object that was not asked for (${object.oid})`);
        if (object.error) {
          throw new ModaError(object.error.code === 413 ? 'LFS_OBJECT_TOO_LARGE' : 'LFS_OBJECT_MISMATCH', `${file.path}: ${object.error.message}`);
        }
        const upload = object.actions?.upload;
        if (upload) {
          await putObject(client, upload, file, emit, signal);
          const verify = object.actions?.verify;
          if (verify) {
            await client.request(verify.href, {
              method: 'POST',
              headers: { 'content-type': 'application/vnd.git-lfs+json', accept: 'application/vnd.git-lfs+json', ...verify.header },
              body: JSON.stringify({ oid: object.oid, size: file.size }),
              signal,
              authenticate: sameOrigin(verify.href, client.endpoint),
              what: `verifying ${file.path}`,
            });
          }
        }
        for (const other of sharing) {
          if (other !== file || !upload) emit({ event: 'fileProgress', path: other.path, state: 'uploading', bytes: other.size, size: other.size, alreadyStored: true });
        }
      });
    }
  }

  emit({ event: 'phase', phase: 'committing' });
  const operations: CommitOperation[] = [];
  for (const file of files) {
    const oid = oids.get(file.path);
    if (oid !== undefined) operations.push({ kind: 'lfsFile', path: file.path, oid, size: file.size });
    else operations.push({ kind: 'file', path: file.path, content: await readFile(file.localPath, { signal }) });
  }
  const summary = options.message || `Upload ${files.length === 1 ? (files[0] as LocalFile).path : `${files.length} files`} with Moda`;
  const result = await client.commit(repo, operations, { ...repoOptions, summary, description: options.description });
  emit({ event: 'committed', commitOid: result.commitOid, commitUrl: result.commitUrl, files: files.length });
}

/** Uploads `localPath` (a file or a folder) to `repo` as one commit, reporting progress as it goes. */
export function uploadIter(client: ModaClient, repo: string, localPath: string, options: UploadOptions = {}): AsyncGenerator<UploadEvent, void, undefined> {
  return progressChannel<UploadEvent>((emit, signal) => runUpload(client, repo, localPath, options, emit, signal), options.signal);
}

/** Uploads `localPath` and returns the commit. */
export async function upload(client: ModaClient, repo: string, localPath: string, options: UploadOptions = {}): Promise<CommitResult> {
  return lastOf(uploadIter(client, repo, localPath, options), (event) => (event.event === 'committed' ? { commitOid: event.commitOid, commitUrl: event.commitUrl } : undefined));
}
