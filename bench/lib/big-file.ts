// The large test file: random bytes (incompressible, so no layer can cheat), hashed while written.
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { BigFile } from './bench-types.js';

const CHUNK = 16 * 1024 * 1024;

export async function createBigFile(path: string, size: number): Promise<BigFile> {
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(CHUNK);
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < size; ) {
      const part = buffer.subarray(0, Math.min(CHUNK, size - written));
      randomFillSync(part);
      hash.update(part);
      await handle.write(part, 0, part.length, written);
      written += part.length;
    }
  } finally {
    await handle.close();
  }
  return { path, size, oid: hash.digest('hex') };
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Overwrites the first bytes of a file in place (to give it a new sha256 without a new file). */
export async function writeHeader(path: string, header: Uint8Array): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.write(header, 0, header.length, 0);
  } finally {
    await handle.close();
  }
}

export async function readHeader(path: string, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, 0);
    return buffer;
  } finally {
    await handle.close();
  }
}
