// Copies every blob of a single-machine store ($MODA_HOME/blobs/sha256/ab/cdef…) into another blob
// store (S3 in cluster mode). Each copy is hashed on the way in (the target's write refuses a
// mismatch) and then read back from the target and hashed again, so a blob that reached the store
// damaged is reported, never trusted. Resumable: a blob already at its final key with the right size
// was verified when it was written there and is skipped (re-hashed with `verifyExisting`).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ModaError } from '../errors/moda-error.js';
import { progressChannel, type Emit } from '../client/progress-channel.js';
import { SHA256_HEX, type BlobStore } from './blob-store.js';

export type MigrateBlobsEvent =
  | { event: 'start'; blobs: number; bytes: number }
  | { event: 'blob'; oid: string; size: number; state: 'copied' | 'present' | 'failed'; error?: string }
  | { event: 'done'; result: MigrateBlobsResult };

export interface MigrateBlobsResult {
  copied: number;
  present: number;
  failed: { oid: string; error: string }[];
  /** Files under the source that are not blobs (wrong names), left alone. */
  ignored: string[];
  bytesCopied: number;
}

export interface MigrateBlobsOptions {
  /** Blobs copied at once. */
  concurrency?: number;
  /** Re-hash blobs the target already holds instead of trusting their presence and size. */
  verifyExisting?: boolean;
  signal?: AbortSignal;
}

interface SourceBlob {
  oid: string;
  size: number;
  path: string;
}

/** The blobs of an fs store directory (the one holding `sha256/`), and the names that are not blobs. */
async function listSource(directory: string): Promise<{ blobs: SourceBlob[]; ignored: string[] }> {
  const root = join(directory, 'sha256');
  const fanout = await readdir(root).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new ModaError('PATH_INVALID', `${directory} holds no blob store (no sha256/ folder)`);
    throw error;
  });
  const blobs: SourceBlob[] = [];
  const ignored: string[] = [];
  for (const head of fanout.sort()) {
    for (const tail of (await readdir(join(root, head)).catch(() => [] as string[])).sort()) {
      const path = join(root, head, tail);
      const info = await stat(path);
      if (info.isFile() && SHA256_HEX.test(`${head}${tail}`)) blobs.push({ oid: `${head}${tail}`, size: info.size, path });
      else ignored.push(path);
    }
  }
  return { blobs, ignored };
}

async function sha256Of(stream: Readable): Promise<{ oid: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { oid: hash.digest('hex'), size };
}

async function verifyInTarget(target: BlobStore, blob: SourceBlob): Promise<void> {
  const stored = await sha256Of(await target.read(blob.oid));
  if (stored.oid !== blob.oid || stored.size !== blob.size) {
    throw new ModaError('LFS_OBJECT_MISMATCH', `the target holds sha256 ${stored.oid} and ${stored.size} bytes for ${blob.oid} (${blob.size} bytes)`);
  }
}

async function migrateOne(target: BlobStore, blob: SourceBlob, options: MigrateBlobsOptions): Promise<'copied' | 'present'> {
  const existing = await target.stat(blob.oid);
  if (existing?.size === blob.size) {
    if (options.verifyExisting) await verifyInTarget(target, blob);
    return 'present';
  }
  await target.write(createReadStream(blob.path, { highWaterMark: 1024 * 1024 }), { oid: blob.oid, size: blob.size }, options.signal);
  await verifyInTarget(target, blob);
  return 'copied';
}

async function run(sourceDirectory: string, target: BlobStore, options: MigrateBlobsOptions, emit: Emit<MigrateBlobsEvent>, signal: AbortSignal): Promise<void> {
  const { blobs, ignored } = await listSource(sourceDirectory);
  emit({ event: 'start', blobs: blobs.length, bytes: blobs.reduce((sum, blob) => sum + blob.size, 0) });
  const result: MigrateBlobsResult = { copied: 0, present: 0, failed: [], ignored, bytesCopied: 0 };
  let next = 0;
  const worker = async () => {
    while (next < blobs.length) {
      signal.throwIfAborted();
      const blob = blobs[next++] as SourceBlob;
      try {
        const state = await migrateOne(target, blob, { ...options, signal });
        if (state === 'copied') {
          result.copied++;
          result.bytesCopied += blob.size;
        } else result.present++;
        emit({ event: 'blob', oid: blob.oid, size: blob.size, state });
      } catch (error) {
        // An unreachable store stops the run (every other blob would fail the same way); a bad blob does not.
        if (error instanceof ModaError && error.code === 'BLOB_STORE_UNAVAILABLE') throw error;
        const message = error instanceof Error ? error.message : String(error);
        result.failed.push({ oid: blob.oid, error: message });
        emit({ event: 'blob', oid: blob.oid, size: blob.size, state: 'failed', error: message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  emit({ event: 'done', result });
}

/** Copies the blobs under `sourceDirectory` into `target`, one event per blob. */
export function migrateBlobsIter(sourceDirectory: string, target: BlobStore, options: MigrateBlobsOptions = {}): AsyncGenerator<MigrateBlobsEvent, void, undefined> {
  return progressChannel<MigrateBlobsEvent>((emit, signal) => run(sourceDirectory, target, options, emit, signal), options.signal);
}
