// Blob store on the local file system: blobs/sha256/ab/cdef…, written to a temp file while hashing
// (src/storage/file-writers.ts) and renamed into place only after the digest checks out and the
// data is on disk, so a crash never leaves a partial blob.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ModaError } from '../errors/moda-error.js';
import { SHA256_HEX, type BlobStat, type BlobStore } from './blob-store.js';
import { createFileWriter } from './file-writers.js';

export class FsBlobStore implements BlobStore {
  private readonly root: string;
  private readonly tmp: string;

  /**
   * `directIo`: write uploads with O_DIRECT where the file system allows it (see file-writers.ts).
   * `touchEveryMs`: how often a temp file's mtime is renewed while its upload lives — the writer
   * buffers 1 MiB, so a slow upload may not write for long, and a cluster's sweep (cluster/
   * sweep-scratch.ts) takes a temp file untouched for MODA_SCRATCH_MAX_AGE for a dead upload's.
   */
  constructor(directory: string, private readonly options: { directIo: boolean; touchEveryMs?: number } = { directIo: true }) {
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
    const writer = await createFileWriter(tempPath, { direct: this.options.directIo });
    const hash = createHash('sha256');
    let size = 0;
    let committed = false;
    let touched = Date.now();
    const touchEveryMs = this.options.touchEveryMs ?? 10_000;
    try {
      for await (const chunk of source) {
        signal?.throwIfAborted();
        if (Date.now() - touched >= touchEveryMs) {
          touched = Date.now();
          await utimes(tempPath, new Date(touched), new Date(touched));
        }
        size += chunk.byteLength;
        if (size > expected.size) {
          throw new ModaError('LFS_OBJECT_MISMATCH', `upload is larger than the declared size ${expected.size}`);
        }
        hash.update(chunk);
        await writer.write(chunk);
      }
      const oid = hash.digest('hex');
      if (oid !== expected.oid || size !== expected.size) {
        throw new ModaError(
          'LFS_OBJECT_MISMATCH',
          `upload has sha256 ${oid} and ${size} bytes, expected ${expected.oid} and ${expected.size} bytes`,
        );
      }
      await writer.finish();
      await writer.close();
      await mkdir(join(this.root, oid.slice(0, 2)), { recursive: true });
      await rename(tempPath, target);
      committed = true;
      // The rename is durable only once its directory entry is on disk.
      const directory = await open(join(this.root, oid.slice(0, 2)), 'r');
      await directory.sync().finally(() => directory.close());
      return { oid, size };
    } finally {
      if (!committed) {
        await writer.close().catch(() => undefined);
        await rm(tempPath, { force: true });
      }
    }
  }

  async cleanup(): Promise<void> {
    const names = await readdir(this.tmp).catch(() => [] as string[]);
    await Promise.all(names.map((name) => rm(join(this.tmp, name), { force: true })));
  }
}
