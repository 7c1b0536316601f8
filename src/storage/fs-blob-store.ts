// Blob store on the local file system: blobs/sha256/ab/cdef…, written to a temp file while hashing
// and renamed into place only after the digest checks out, so a crash never leaves a partial blob.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ModaError } from '../errors/moda-error.js';
import { SHA256_HEX, type BlobStat, type BlobStore } from './blob-store.js';

const WRITE_BATCH_BYTES = 1024 * 1024;
const SYNC_EVERY_BYTES = 64 * 1024 * 1024;

export class FsBlobStore implements BlobStore {
  private readonly root: string;
  private readonly tmp: string;

  constructor(directory: string) {
    this.root = join(directory, 'sha256');
    this.tmp = join(directory, 'tmp');
  }

  localPath(oid: string): string {
    if (!SHA256_HEX.test(oid)) throw new ModaError('BAD_REQUEST', `invalid sha256 oid "${oid}"`);
    return join(this.root, oid.slice(0, 2), oid.slice(2));
  }

  async stat(oid: string): Promise<BlobStat | undefined> {
    try {
      const info = await stat(this.localPath(oid));
      return { oid, size: info.size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async read(oid: string, range?: { start: number; end: number }): Promise<Readable> {
    const path = this.localPath(oid);
    // Open first so a missing blob is an error here, not later on the stream.
    const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') throw new ModaError('LFS_OBJECT_MISSING', `blob ${oid} is not in the store`);
      throw error;
    });
    return handle.createReadStream({ start: range?.start, end: range?.end, highWaterMark: 1024 * 1024 });
  }

  async write(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, expected: BlobStat, signal?: AbortSignal): Promise<BlobStat> {
    const target = this.localPath(expected.oid);
    await mkdir(this.tmp, { recursive: true });
    const tempPath = join(this.tmp, `${expected.oid}.${randomBytes(6).toString('hex')}`);
    const handle = await open(tempPath, 'w');
    const hash = createHash('sha256');
    let size = 0;
    let committed = false;
    // Receiving, writing and flushing overlap: socket chunks (64 KiB) are gathered into 1 MiB
    // writev calls with one write in flight, and data is synced every 64 MiB instead of all at the
    // end. One await per chunk left the thread idle ~80% of a 1 GiB upload (bench/RESULTS.md).
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let unsynced = 0;
    let writing: Promise<unknown> = Promise.resolve();
    let syncing: Promise<unknown> = Promise.resolve();
    const flush = async () => {
      if (pendingBytes === 0) return;
      const buffers = pending;
      const bytes = pendingBytes;
      unsynced += pendingBytes;
      pending = [];
      pendingBytes = 0;
      await writing;
      writing = handle.writev(buffers).then(({ bytesWritten }) => {
        // Regular files take whole writes; anything short means the disk is full or failing.
        if (bytesWritten !== bytes) throw new ModaError('INTERNAL', `short write to the blob store (${bytesWritten} of ${bytes} bytes)`);
      });
      // Observed later by an await; this only keeps a failure from being reported as unhandled.
      writing.catch(() => undefined);
      if (unsynced >= SYNC_EVERY_BYTES) {
        await writing;
        await syncing;
        syncing = handle.datasync();
        syncing.catch(() => undefined);
        unsynced = 0;
      }
    };
    try {
      for await (const chunk of source) {
        signal?.throwIfAborted();
        size += chunk.byteLength;
        if (size > expected.size) {
          throw new ModaError('LFS_OBJECT_MISMATCH', `upload is larger than the declared size ${expected.size}`);
        }
        hash.update(chunk);
        pending.push(chunk);
        pendingBytes += chunk.byteLength;
        if (pendingBytes >= WRITE_BATCH_BYTES) await flush();
      }
      await flush();
      await writing;
      await syncing;
      const oid = hash.digest('hex');
      if (oid !== expected.oid || size !== expected.size) {
        throw new ModaError(
          'LFS_OBJECT_MISMATCH',
          `upload has sha256 ${oid} and ${size} bytes, expected ${expected.oid} and ${expected.size} bytes`,
        );
      }
      await handle.sync();
      await handle.close();
      await mkdir(join(this.root, oid.slice(0, 2)), { recursive: true });
      await rename(tempPath, target);
      committed = true;
      // The rename is durable only once its directory entry is on disk.
      const directory = await open(join(this.root, oid.slice(0, 2)), 'r');
      await directory.sync().finally(() => directory.close());
      return { oid, size };
    } finally {
      if (!committed) {
        await Promise.allSettled([writing, syncing]);
        await handle.close().catch(() => undefined);
        await rm(tempPath, { force: true });
      }
    }
  }

  async cleanup(): Promise<void> {
    const names = await readdir(this.tmp).catch(() => [] as string[]);
    await Promise.all(names.map((name) => rm(join(this.tmp, name), { force: true })));
  }
}
