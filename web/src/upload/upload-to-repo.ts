// Uploads files picked or dropped in the browser as one commit, through the same flow as the HF
// clients and src/client/upload.ts: preupload says which files go to LFS, those are hashed and PUT
// to the LFS batch hrefs (XMLHttpRequest, because fetch reports no upload progress), and one NDJSON
// commit names the LFS objects and carries the small files inline.
import type { CommitOperation, CommitResult, LfsAction, RepoType } from '../../../src/client/api-types.js';
import type { ModaClient } from '../../../src/client/moda-client.js';
import { errorFromResponse } from '../../../src/client/response-error.js';
import { ApiError, modaClient, toApiError } from '../api.js';
import { sha256OfBlob } from './sha256.js';

export interface PickedFile {
  /** Path inside the repo, folders kept (`weights/model.onnx`). */
  path: string;
  file: File;
}

export type FileState = 'waiting' | 'hashing' | 'uploading' | 'stored' | 'committed';

export type UploadEvent =
  | { event: 'phase'; phase: 'preuploading' | 'hashing' | 'uploading' | 'committing' }
  | { event: 'plan'; files: { path: string; size: number; mode: 'lfs' | 'regular' }[] }
  /** `bytes` of `path` done in its current state (hashed, or sent). */
  | { event: 'file'; path: string; state: FileState; bytes: number }
  | { event: 'committed'; commit: CommitResult };

export interface UploadRequest {
  type: RepoType;
  repo: string;
  files: PickedFile[];
  summary: string;
  revision?: string;
  signal: AbortSignal;
  onEvent: (event: UploadEvent) => void;
}

const PREUPLOAD_BATCH = 256;
const LFS_BATCH = 100;
const SAMPLE_BYTES = 512;

function sameOrigin(href: string): boolean {
  try {
    return new URL(href, window.location.href).origin === window.location.origin;
  } catch {
    return false;
  }
}

/** PUTs one LFS object, reporting bytes sent; an error answer becomes the same ApiError fetch calls give. */
function putObject(client: ModaClient, action: LfsAction, blob: Blob, signal: AbortSignal, onBytes: (bytes: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const request = new XMLHttpRequest();
    request.open('PUT', action.href);
    request.setRequestHeader('content-type', 'application/octet-stream');
    for (const [name, value] of Object.entries(action.header ?? {})) request.setRequestHeader(name, value);
    // The href is signed; the token only goes along to this server, never to a storage bucket.
    if (client.token && sameOrigin(action.href) && !action.header?.authorization) request.setRequestHeader('authorization', `Bearer ${client.token}`);
    request.upload.onprogress = (event) => onBytes(event.loaded);
    const onAbort = () => request.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = () => signal.removeEventListener('abort', onAbort);
    request.onload = () => {
      settle();
      if (request.status >= 200 && request.status < 300) {
        onBytes(blob.size);
        resolve();
        return;
      }
      const headers = new Headers({ 'content-type': request.getResponseHeader('content-type') ?? 'text/plain' });
      const code = request.getResponseHeader('x-error-code');
      if (code) headers.set('x-error-code', code);
      void errorFromResponse(new Response(request.responseText, { status: request.status, statusText: request.statusText, headers }), `uploading ${blob instanceof File ? blob.name : 'a file'}`).then((error) => reject(toApiError(error)));
    };
    request.onerror = () => {
      settle();
      reject(new ApiError('the server could not be reached during the upload', 0, 'NETWORK'));
    };
    request.onabort = () => {
      settle();
      reject(signal.reason instanceof Error ? signal.reason : new DOMException('upload cancelled', 'AbortError'));
    };
    request.send(blob);
  });
}

async function sampleOf(file: File): Promise<Uint8Array> {
  return new Uint8Array(await file.slice(0, SAMPLE_BYTES).arrayBuffer());
}

async function run(client: ModaClient, request: UploadRequest): Promise<CommitResult> {
  const { type, repo, files, signal, onEvent } = request;
  const revision = request.revision ?? 'main';
  const paths = new Set<string>();
  for (const picked of files) {
    if (paths.has(picked.path)) throw new ApiError(`two files would both be written to ${picked.path}`, 400, 'PATH_INVALID');
    paths.add(picked.path);
  }

  onEvent({ event: 'phase', phase: 'preuploading' });
  const modes = new Map<string, 'lfs' | 'regular'>();
  for (let start = 0; start < files.length; start += PREUPLOAD_BATCH) {
    const batch = files.slice(start, start + PREUPLOAD_BATCH);
    const samples = await Promise.all(batch.map(async (picked) => ({ path: picked.path, size: picked.file.size, sample: await sampleOf(picked.file) })));
    const answer = await client.preupload(repo, samples, { type, revision, signal });
    for (const entry of answer.files) modes.set(entry.path, entry.uploadMode);
  }
  const modeOf = (picked: PickedFile) => modes.get(picked.path) ?? 'regular';
  onEvent({ event: 'plan', files: files.map((picked) => ({ path: picked.path, size: picked.file.size, mode: modeOf(picked) })) });

  const lfsFiles = files.filter((picked) => modeOf(picked) === 'lfs');
  const oids = new Map<string, string>();
  if (lfsFiles.length > 0) {
    onEvent({ event: 'phase', phase: 'hashing' });
    for (const picked of lfsFiles) {
      oids.set(picked.path, await sha256OfBlob(picked.file, { signal, onBytes: (bytes) => onEvent({ event: 'file', path: picked.path, state: 'hashing', bytes }) }));
    }

    onEvent({ event: 'phase', phase: 'uploading' });
    // One PUT per distinct object: two paths with the same content share it.
    const byOid = new Map<string, PickedFile[]>();
    for (const picked of lfsFiles) {
      const oid = oids.get(picked.path) as string;
      byOid.set(oid, [...(byOid.get(oid) ?? []), picked]);
    }
    const objects = [...byOid.entries()].map(([oid, sharing]) => ({ oid, size: (sharing[0] as PickedFile).file.size }));
    for (let start = 0; start < objects.length; start += LFS_BATCH) {
      const answer = await client.lfsBatch(repo, 'upload', objects.slice(start, start + LFS_BATCH), { type, signal });
      // One at a time: a browser tab's upload bandwidth is the limit, and progress reads in order.
      for (const object of answer.objects) {
        const sharing = byOid.get(object.oid) ?? [];
        const [first] = sharing;
        if (!first) throw new ApiError(`the LFS batch answered for an object that was not asked for (${object.oid})`, 502, 'UPSTREAM_INVALID_RESPONSE');
        if (object.error) throw new ApiError(`${first.path}: ${object.error.message}`, object.error.code, object.error.code === 413 ? 'LFS_OBJECT_TOO_LARGE' : 'LFS_OBJECT_MISMATCH');
        const upload = object.actions?.upload;
        if (upload) {
          await putObject(client, upload, first.file, signal, (bytes) => onEvent({ event: 'file', path: first.path, state: 'uploading', bytes }));
          const verify = object.actions?.verify;
          if (verify) {
            await client.request(verify.href, {
              method: 'POST',
              headers: { 'content-type': 'application/vnd.git-lfs+json', accept: 'application/vnd.git-lfs+json', ...verify.header },
              body: JSON.stringify({ oid: object.oid, size: first.file.size }),
              signal,
              authenticate: sameOrigin(verify.href),
              what: `verifying ${first.path}`,
            });
          }
        }
        // Already stored on the server (or shared with the file just sent): nothing more to send.
        for (const picked of sharing) onEvent({ event: 'file', path: picked.path, state: 'stored', bytes: picked.file.size });
      }
    }
  }

  onEvent({ event: 'phase', phase: 'committing' });
  const operations: CommitOperation[] = [];
  for (const picked of files) {
    const oid = oids.get(picked.path);
    if (oid !== undefined) operations.push({ kind: 'lfsFile', path: picked.path, oid, size: picked.file.size });
    else operations.push({ kind: 'file', path: picked.path, content: new Uint8Array(await picked.file.arrayBuffer()) });
  }
  const commit = await client.commit(repo, operations, { type, revision, summary: request.summary, signal });
  for (const picked of files) onEvent({ event: 'file', path: picked.path, state: 'committed', bytes: picked.file.size });
  onEvent({ event: 'committed', commit });
  return commit;
}

/** Uploads `files` to `repo` as one commit with the signed-in token; errors are ApiErrors, a cancel rejects with the signal's reason. */
export async function uploadToRepo(request: UploadRequest): Promise<CommitResult> {
  try {
    return await run(modaClient(), request);
  } catch (error) {
    throw toApiError(error);
  }
}
