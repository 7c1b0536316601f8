// The unpacked bytes of one zip entry as a stream that fails (DATASET_ARCHIVE_TOO_LARGE) the moment
// it passes the size its header declares, and (DATASET_ARCHIVE_INVALID) if it ends short of it,
// so neither a lying header nor a bomb can make a reader take more than the directory promised.
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw } from 'node:zlib';
import { ModaError } from '../../errors/moda-error.js';
import { zipInvalid, zipTooLarge, type ZipEntry } from './zip-directory.js';
import type { ZipSource } from './zip-source.js';

const LOCAL = 0x04034b50;

/** Where an entry's packed bytes start (after its local header), checked against the archive. */
export async function entryDataStart(source: ZipSource, entry: ZipEntry, archive: string): Promise<number> {
  const local = await source.read(entry.localOffset, 30);
  if (local.length < 30 || local.readUInt32LE(0) !== LOCAL) throw zipInvalid(archive, `entry ${JSON.stringify(entry.name)} has no local header where the directory says`);
  const start = entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  if (start + entry.packed > source.size) throw zipInvalid(archive, `entry ${JSON.stringify(entry.name)} runs past the end of the file`);
  return start;
}

/** Passes exactly `expected` bytes: more fails at once, fewer fails at the end. */
function exactLength(expected: number, tooLong: () => Error, tooShort: (seen: number) => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > expected) callback(tooLong());
      else callback(null, chunk);
    },
    flush(callback) {
      callback(seen === expected ? null : tooShort(seen));
    },
  });
}

/** The entry's unpacked bytes. Errors reach the returned stream as ModaErrors. */
export async function openZipEntry(source: ZipSource, entry: ZipEntry, archive: string): Promise<Readable> {
  const start = await entryDataStart(source, entry, archive);
  const name = JSON.stringify(entry.name);
  const check = exactLength(
    entry.unpacked,
    () => zipTooLarge(archive, `entry ${name} inflates past the ${entry.unpacked} bytes it declares`),
    (seen) => zipInvalid(archive, `entry ${name} holds ${seen} bytes, not the ${entry.unpacked} it declares`),
  );
  const out = new PassThrough();
  // An empty entry has no deflate stream to inflate.
  const packed = entry.packed === 0 ? Readable.from([]) : await source.stream(start, start + entry.packed - 1);
  const stages = entry.method === 8 && entry.packed > 0 ? [packed, createInflateRaw(), check, out] : [packed, check, out];
  pipeline(stages).catch((error: unknown) => {
    out.destroy(error instanceof ModaError ? error : zipInvalid(archive, `entry ${name} could not be inflated: ${error instanceof Error ? error.message : String(error)}`));
  });
  return out;
}
