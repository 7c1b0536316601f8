// Unpacks a dataset's zip archive (ModelScope packs splits as `train.zip`) into a folder of the
// preparation, refusing what an archive from a stranger can do to a server: entries that name a
// path outside the folder (`../`, absolute, drive letters, backslashes, symlinks), more entries or
// more unpacked bytes than the limits, a compression ratio past the limit (a zip bomb), an entry
// that inflates past the size it declares, encryption and zip64. Reads the central directory, then
// streams each entry through inflate with its bytes counted, so memory stays flat.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw } from 'node:zlib';
import { ModaError } from '../../errors/moda-error.js';

export interface ZipLimits {
  maxEntries: number;
  /** Unpacked bytes of all entries together. */
  maxTotalBytes: number;
  /** Largest unpacked/packed ratio of an entry larger than RATIO_FLOOR_BYTES. */
  maxRatio: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntries: 100_000, maxTotalBytes: 8 * 1024 ** 3, maxRatio: 200 };
/** Small entries compress absurdly well (a kilobyte of spaces) without being a bomb. */
const RATIO_FLOOR_BYTES = 1024 ** 2;
const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

interface ZipEntry {
  name: string;
  method: number;
  packed: number;
  unpacked: number;
  localOffset: number;
}

const invalid = (archive: string, why: string) => new ModaError('DATASET_ARCHIVE_INVALID', `${archive}: ${why}`);
const tooLarge = (archive: string, why: string) => new ModaError('DATASET_ARCHIVE_TOO_LARGE', `${archive}: ${why}`);

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** A safe relative path for an entry name, or a refusal naming it. */
export function checkEntryName(archive: string, name: string): string {
  const shown = JSON.stringify(name.slice(0, 200));
  if (name.includes('\\') || name.includes('\0')) throw invalid(archive, `entry ${shown} has a backslash or NUL in its name`);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw invalid(archive, `entry ${shown} names an absolute path`);
  const segments = name.split('/');
  if (segments.some((segment) => segment === '..' || segment === '.')) throw invalid(archive, `entry ${shown} names a path outside the archive`);
  if (segments.slice(0, -1).some((segment) => segment === '') || name.length > 1024) throw invalid(archive, `entry ${shown} has an empty or overlong path`);
  return name;
}

async function readDirectory(file: FileHandle, size: number, archive: string, limits: ZipLimits): Promise<ZipEntry[]> {
  const tail = await readAt(file, Math.max(0, size - 65_557), Math.min(size, 65_557));
  let end = -1;
  for (let at = tail.length - 22; at >= 0; at--) {
    if (tail.readUInt32LE(at) === EOCD) {
      end = at;
      break;
    }
  }
  if (end < 0) throw invalid(archive, 'not a zip archive (no end of central directory)');
  const count = tail.readUInt16LE(end + 10);
  const directorySize = tail.readUInt32LE(end + 12);
  const directoryOffset = tail.readUInt32LE(end + 16);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) throw invalid(archive, 'zip64 archives are not read; pack it as a plain zip (under 4 GiB and 65,535 entries)');
  if (count > limits.maxEntries) throw tooLarge(archive, `${count} entries, more than the ${limits.maxEntries} allowed`);
  if (directoryOffset + directorySize > size) throw invalid(archive, 'the central directory lies past the end of the file');
  const directory = await readAt(file, directoryOffset, directorySize);
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let total = 0;
  let at = 0;
  for (let index = 0; index < count; index++) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== CENTRAL) throw invalid(archive, 'the central directory is truncated or corrupt');
    const flags = directory.readUInt16LE(at + 8);
    const method = directory.readUInt16LE(at + 10);
    const packed = directory.readUInt32LE(at + 20);
    const unpacked = directory.readUInt32LE(at + 24);
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const mode = directory.readUInt32LE(at + 38) >>> 16;
    const localOffset = directory.readUInt32LE(at + 42);
    if (at + 46 + nameLength > directory.length) throw invalid(archive, 'the central directory is truncated or corrupt');
    // Bit 11: UTF-8 names; older archives use CP437, whose ASCII part is the same.
    const name = directory.toString(flags & 0x800 ? 'utf8' : 'latin1', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    checkEntryName(archive, name);
    if (name.endsWith('/')) continue;
    if ((mode & S_IFMT) === S_IFLNK) throw invalid(archive, `entry ${JSON.stringify(name)} is a symbolic link`);
    if (flags & 0x1) throw invalid(archive, `entry ${JSON.stringify(name)} is encrypted`);
    if (method !== 0 && method !== 8) throw invalid(archive, `entry ${JSON.stringify(name)} uses compression method ${method}; only stored and deflate are read`);
    if (names.has(name)) throw invalid(archive, `entry ${JSON.stringify(name)} appears twice`);
    names.add(name);
    total += unpacked;
    if (total > limits.maxTotalBytes) throw tooLarge(archive, `unpacks to more than ${limits.maxTotalBytes} bytes`);
    if (unpacked > RATIO_FLOOR_BYTES && unpacked > packed * limits.maxRatio) throw tooLarge(archive, `entry ${JSON.stringify(name)} inflates ${Math.round(unpacked / Math.max(1, packed))}× (the limit is ${limits.maxRatio}×)`);
    entries.push({ name, method, packed, unpacked, localOffset });
  }
  return entries;
}

/** Counts bytes through it and fails once more than `limit` have passed. */
function byteLimit(limit: number, fail: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) callback(fail());
      else callback(null, chunk);
    },
  });
}

/**
 * Unpacks `zipPath` into `targetDir` (which must exist and be empty); returns the paths of the
 * files, relative to it, sorted. `archive` names the archive in errors (its path in the repo).
 */
export async function extractZip(zipPath: string, targetDir: string, archive: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<string[]> {
  const file = await open(zipPath, 'r');
  let entries: ZipEntry[];
  const { size } = await file.stat();
  try {
    entries = await readDirectory(file, size, archive, limits);
    const root = resolve(targetDir);
    for (const entry of entries) {
      const local = await readAt(file, entry.localOffset, 30);
      if (local.length < 30 || local.readUInt32LE(0) !== LOCAL) throw invalid(archive, `entry ${JSON.stringify(entry.name)} has no local header where the directory says`);
      const start = entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      if (start + entry.packed > size) throw invalid(archive, `entry ${JSON.stringify(entry.name)} runs past the end of the file`);
      const target = resolve(root, entry.name);
      if (!target.startsWith(root + sep)) throw invalid(archive, `entry ${JSON.stringify(entry.name)} names a path outside the archive`);
      await mkdir(dirname(target), { recursive: true });
      const written = { bytes: 0 };
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          written.bytes += chunk.length;
          callback(null, chunk);
        },
      });
      const lying = () => tooLarge(archive, `entry ${JSON.stringify(entry.name)} inflates past the ${entry.unpacked} bytes it declares`);
      const source = entry.packed === 0 ? [] : [createReadStream(zipPath, { start, end: start + entry.packed - 1 })];
      const stages = entry.method === 8 ? [createInflateRaw(), byteLimit(entry.unpacked, lying)] : [byteLimit(entry.unpacked, lying)];
      try {
        if (source.length === 0) await pipeline(async function* () {}, createWriteStream(target));
        else await pipeline([...source, ...stages, counter, createWriteStream(target)]);
      } catch (error) {
        if (error instanceof ModaError) throw error;
        throw invalid(archive, `entry ${JSON.stringify(entry.name)} could not be inflated: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (written.bytes !== entry.unpacked) throw invalid(archive, `entry ${JSON.stringify(entry.name)} holds ${written.bytes} bytes, not the ${entry.unpacked} it declares`);
    }
  } finally {
    await file.close();
  }
  return entries.map((entry) => entry.name).sort();
}
