// Random access to the bytes of a zip archive, wherever the archive lives: a local file (an LFS
// object in place, a preparation's copy), a range-reading blob store (S3), or a small file kept in
// git and read into memory. The zip reader needs only these three operations.
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { BlobStore } from '../../storage/blob-store.js';

export interface ZipSource {
  size: number;
  /** Up to `length` bytes at `position` (fewer at the end of the archive). */
  read(position: number, length: number): Promise<Buffer>;
  /** Bytes `start` to `end` inclusive, streamed. */
  stream(start: number, end: number): Promise<Readable>;
  close(): Promise<void>;
}

/** Bytes of a streamed range are read this many at a time. */
const CHUNK_BYTES = 64 * 1024;

async function* chunksOf(file: FileHandle, start: number, end: number): AsyncGenerator<Buffer, void, undefined> {
  for (let position = start; position <= end; ) {
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, end - position + 1));
    const { bytesRead } = await file.read(chunk, 0, chunk.length, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield chunk.subarray(0, bytesRead);
  }
}

export async function fileZipSource(path: string): Promise<ZipSource> {
  const file = await open(path, 'r');
  const { size } = await file.stat();
  let closed: Promise<void> | undefined;
  return {
    size,
    async read(position, length) {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - position)));
      const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
      return buffer.subarray(0, bytesRead);
    },
    // Positional reads on the open handle: a job reading thousands of members opens the file once.
    stream: async (start, end) => Readable.from(chunksOf(file, start, end), { objectMode: false }),
    // Both the reader and a stream's end may close it.
    close: () => (closed ??= file.close()),
  };
}

export function bufferZipSource(buffer: Buffer): ZipSource {
  return {
    size: buffer.length,
    read: async (position, length) => buffer.subarray(position, position + length),
    stream: async (start, end) => Readable.from([buffer.subarray(start, end + 1)]),
    close: async () => undefined,
  };
}

/** An LFS object of a store without local files, read by ranges (S3 `Range` GETs). */
export function blobZipSource(blobs: BlobStore, oid: string, size: number): ZipSource {
  const readAll = async (stream: Readable) => {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  return {
    size,
    async read(position, length) {
      const end = Math.min(position + length, size) - 1;
      return end < position ? Buffer.alloc(0) : readAll(await blobs.read(oid, { start: position, end }));
    },
    stream: (start, end) => blobs.read(oid, { start, end }),
    close: async () => undefined,
  };
}
