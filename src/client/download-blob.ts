// Fetches one blob into the cache, resumably: `{blob}.incomplete` grows until it is complete, its
// digest is checked, and only then is it renamed to `{blob}`. Large blobs are fetched as parallel
// byte ranges whose completion is recorded in `{blob}.incomplete.parts`, so an interrupted download
// redoes at most the parts that were in flight; small ones resume with `Range: bytes=N-`.
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { ModaError } from '../errors/moda-error.js';
import { digestFile, digestKindOf } from './file-digest.js';
import { runPool } from './run-pool.js';

export interface ByteRange {
  start: number;
  /** Inclusive; absent means "to the end". */
  end?: number;
}

export interface BlobDownloadOptions {
  /** Where the finished blob goes; partial data lives beside it. */
  blobPath: string;
  size: number;
  /** The blob's sha256 (64 hex) or git blob sha1 (40 hex): checked before the blob is kept. */
  etag: string;
  /** Name shown in errors. */
  label: string;
  fetchRange: (range: ByteRange | undefined, signal: AbortSignal) => Promise<Response>;
  /** Blobs larger than this are fetched as parallel ranged parts. */
  parallelThresholdBytes: number;
  partSizeBytes: number;
  concurrency: number;
  signal: AbortSignal;
  /** Bytes of the blob on disk so far (including what earlier attempts left). */
  onBytes: (bytes: number) => void;
}

interface PartsState {
  size: number;
  partSize: number;
  done: number[];
}

const RETRIES = 3;

export async function downloadBlob(options: BlobDownloadOptions): Promise<void> {
  const incomplete = `${options.blobPath}.incomplete`;
  const sidecar = `${incomplete}.parts`;
  const resumingParts = (await readParts(sidecar))?.size === options.size;
  if (resumingParts || options.size > options.parallelThresholdBytes) await fetchInParts(options, incomplete, sidecar);
  else await fetchSequentially(options, incomplete);

  const kind = digestKindOf(options.etag);
  const actual = await digestFile(incomplete, kind, { signal: options.signal });
  if (actual !== options.etag) {
    await rm(incomplete, { force: true });
    await rm(sidecar, { force: true });
    throw new ModaError('DOWNLOAD_DIGEST_MISMATCH', `${options.label}: downloaded content has ${kind} ${actual}, expected ${options.etag}; the bad copy was deleted`);
  }
  await rename(incomplete, options.blobPath);
  await rm(sidecar, { force: true });
}

async function readParts(path: string): Promise<PartsState | undefined> {
  try {
    const state = JSON.parse(await readFile(path, 'utf8')) as Partial<PartsState>;
    if (typeof state.size === 'number' && typeof state.partSize === 'number' && state.partSize > 0 && Array.isArray(state.done)) {
      return { size: state.size, partSize: state.partSize, done: state.done.filter((index) => Number.isSafeInteger(index)) };
    }
  } catch {
    // No sidecar, or a torn one: start the parts over.
  }
  return undefined;
}

async function saveParts(path: string, state: PartsState): Promise<void> {
  await writeFile(`${path}.tmp`, JSON.stringify(state));
  await rename(`${path}.tmp`, path);
}

function isRetryable(error: unknown, signal: AbortSignal): boolean {
  if (signal.aborted) return false;
  if (error instanceof ModaError) return error.retryable;
  // undici reports a connection dropped mid-body as a TypeError ("terminated").
  return !(error instanceof Error && error.name === 'AbortError');
}

async function withRetries(signal: AbortSignal, attempt: () => Promise<void>): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      await attempt();
      return;
    } catch (error) {
      if (tries >= RETRIES || !isRetryable(error, signal)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * tries));
    }
  }
}

/**
 * The chunks of a response body. An abort cancels the reader itself: undici (Node 20) does not
 * always error a pending read when the fetch's signal fires mid-body, which left parts hanging.
 */
async function* chunksOf(response: Response, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  if (!response.body) return;
  const reader = response.body.getReader();
  const cancel = () => {
    reader.cancel(signal.reason).catch(() => undefined);
  };
  signal.addEventListener('abort', cancel, { once: true });
  try {
    for (;;) {
      signal.throwIfAborted();
      const { done, value } = await reader.read();
      signal.throwIfAborted();
      if (done) return;
      yield value;
    }
  } finally {
    signal.removeEventListener('abort', cancel);
    reader.releaseLock();
  }
}

function truncated(label: string, got: number, expected: number): ModaError {
  return new ModaError('UPSTREAM_UNAVAILABLE', `${label}: the connection ended after ${got} of ${expected} bytes`);
}

async function fetchInParts(options: BlobDownloadOptions, incomplete: string, sidecar: string): Promise<void> {
  const { size, signal } = options;
  let state = await readParts(sidecar);
  const existing = await stat(incomplete).catch(() => undefined);
  if (!state || state.size !== size || existing?.size !== size) {
    state = { size, partSize: options.partSizeBytes, done: [] };
    const created = await open(incomplete, 'w');
    await created.truncate(size);
    await created.close();
    await saveParts(sidecar, state);
  }
  const { partSize } = state;
  const partCount = Math.ceil(size / partSize);
  const partLength = (index: number) => Math.min(partSize, size - index * partSize);
  const done = new Set(state.done.filter((index) => index >= 0 && index < partCount));
  const inFlight = new Map<number, number>();
  let finishedBytes = [...done].reduce((sum, index) => sum + partLength(index), 0);
  const report = () => options.onBytes(finishedBytes + [...inFlight.values()].reduce((sum, bytes) => sum + bytes, 0));
  report();

  const handle = await open(incomplete, 'r+');
  let saving = Promise.resolve();
  try {
    const pending = Array.from({ length: partCount }, (_, index) => index).filter((index) => !done.has(index));
    await runPool(pending, options.concurrency, async (index) => {
      const start = index * partSize;
      const end = start + partLength(index) - 1;
      await withRetries(signal, async () => {
        inFlight.set(index, 0);
        const response = await options.fetchRange({ start, end }, signal);
        if (response.status !== 206) {
          await response.body?.cancel();
          throw new ModaError('BAD_REQUEST', `${options.label}: the server ignored the Range header (HTTP ${response.status})`);
        }
        let position = start;
        for await (const chunk of chunksOf(response, signal)) {
          if (position + chunk.length > end + 1) throw new ModaError('UPSTREAM_UNAVAILABLE', `${options.label}: the server sent more than the range asked for`);
          await handle.write(chunk, 0, chunk.length, position);
          position += chunk.length;
          inFlight.set(index, position - start);
          report();
        }
        if (position !== end + 1) throw truncated(options.label, position - start, end + 1 - start);
      });
      inFlight.delete(index);
      done.add(index);
      finishedBytes += partLength(index);
      const snapshot: PartsState = { size, partSize, done: [...done].sort((a, b) => a - b) };
      // Writes of the sidecar are chained so a slower one never overwrites a newer one.
      saving = saving.then(() => saveParts(sidecar, snapshot));
      await saving;
    });
  } finally {
    inFlight.clear();
    await handle.close();
  }
}

async function fetchSequentially(options: BlobDownloadOptions, incomplete: string): Promise<void> {
  const { size, signal } = options;
  await withRetries(signal, async () => {
    let have = (await stat(incomplete).catch(() => undefined))?.size ?? 0;
    if (have > size) have = 0;
    options.onBytes(have);
    if (have === size) {
      if (size === 0) await writeFile(incomplete, '');
      return;
    }
    const response = await options.fetchRange(have > 0 ? { start: have } : undefined, signal);
    // 206 continues the partial file; a 200 (a server without ranges) sends it all again.
    const resumed = have > 0 && response.status === 206 && response.headers.get('content-range')?.startsWith(`bytes ${have}-`) === true;
    if (!resumed) have = 0;
    const handle = await open(incomplete, resumed ? 'a' : 'w');
    try {
      for await (const chunk of chunksOf(response, signal)) {
        if (have + chunk.length > size) throw new ModaError('UPSTREAM_UNAVAILABLE', `${options.label}: the server sent more than ${size} bytes`);
        await handle.write(chunk);
        have += chunk.length;
        options.onBytes(have);
      }
    } finally {
      await handle.close();
    }
    if (have !== size) throw truncated(options.label, have, size);
  });
}
