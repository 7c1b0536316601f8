// Reads a zip archive's central directory with the checks an archive from a stranger needs: entry
// names that stay inside (no `../`, absolute paths, drive letters, backslashes), no symbolic links,
// no encryption, stored or deflate only, no duplicates, no zip64, and limits on the number of
// entries, the unpacked bytes and the compression ratio (a zip bomb). Both unpacking a split and
// serving one member go through it, so a member is refused exactly when its archive would be.
import { ModaError } from '../../errors/moda-error.js';
import type { ZipSource } from './zip-source.js';

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
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

export interface ZipEntry {
  name: string;
  method: number;
  packed: number;
  unpacked: number;
  localOffset: number;
}

export const zipInvalid = (archive: string, why: string) => new ModaError('DATASET_ARCHIVE_INVALID', `${archive}: ${why}`);
export const zipTooLarge = (archive: string, why: string) => new ModaError('DATASET_ARCHIVE_TOO_LARGE', `${archive}: ${why}`);

/** A safe relative path for an entry name, or a refusal naming it. */
export function checkEntryName(archive: string, name: string): string {
  const shown = JSON.stringify(name.slice(0, 200));
  if (name.includes('\\') || name.includes('\0')) throw zipInvalid(archive, `entry ${shown} has a backslash or NUL in its name`);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw zipInvalid(archive, `entry ${shown} names an absolute path`);
  const segments = name.split('/');
  if (segments.some((segment) => segment === '..' || segment === '.')) throw zipInvalid(archive, `entry ${shown} names a path outside the archive`);
  if (segments.slice(0, -1).some((segment) => segment === '') || name.length > 1024) throw zipInvalid(archive, `entry ${shown} has an empty or overlong path`);
  return name;
}

/** The archive's file entries (folders left out), in directory order. */
export async function readZipDirectory(source: ZipSource, archive: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<ZipEntry[]> {
  const { size } = source;
  const tail = await source.read(Math.max(0, size - 65_557), Math.min(size, 65_557));
  let end = -1;
  for (let at = tail.length - 22; at >= 0; at--) {
    if (tail.readUInt32LE(at) === EOCD) {
      end = at;
      break;
    }
  }
  if (end < 0) throw zipInvalid(archive, 'not a zip archive (no end of central directory)');
  const count = tail.readUInt16LE(end + 10);
  const directorySize = tail.readUInt32LE(end + 12);
  const directoryOffset = tail.readUInt32LE(end + 16);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) throw zipInvalid(archive, 'zip64 archives are not read; pack it as a plain zip (under 4 GiB and 65,535 entries)');
  if (count > limits.maxEntries) throw zipTooLarge(archive, `${count} entries, more than the ${limits.maxEntries} allowed`);
  if (directoryOffset + directorySize > size) throw zipInvalid(archive, 'the central directory lies past the end of the file');
  const directory = await source.read(directoryOffset, directorySize);
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let total = 0;
  let at = 0;
  for (let index = 0; index < count; index++) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== CENTRAL) throw zipInvalid(archive, 'the central directory is truncated or corrupt');
    const flags = directory.readUInt16LE(at + 8);
    const method = directory.readUInt16LE(at + 10);
    const packed = directory.readUInt32LE(at + 20);
    const unpacked = directory.readUInt32LE(at + 24);
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const mode = directory.readUInt32LE(at + 38) >>> 16;
    const localOffset = directory.readUInt32LE(at + 42);
    if (at + 46 + nameLength > directory.length) throw zipInvalid(archive, 'the central directory is truncated or corrupt');
    // Bit 11: UTF-8 names; older archives use CP437, whose ASCII part is the same.
    const name = directory.toString(flags & 0x800 ? 'utf8' : 'latin1', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    checkEntryName(archive, name);
    if (name.endsWith('/')) continue;
    if ((mode & S_IFMT) === S_IFLNK) throw zipInvalid(archive, `entry ${JSON.stringify(name)} is a symbolic link`);
    if (flags & 0x1) throw zipInvalid(archive, `entry ${JSON.stringify(name)} is encrypted`);
    if (method !== 0 && method !== 8) throw zipInvalid(archive, `entry ${JSON.stringify(name)} uses compression method ${method}; only stored and deflate are read`);
    if (names.has(name)) throw zipInvalid(archive, `entry ${JSON.stringify(name)} appears twice`);
    names.add(name);
    total += unpacked;
    if (total > limits.maxTotalBytes) throw zipTooLarge(archive, `unpacks to more than ${limits.maxTotalBytes} bytes`);
    if (unpacked > RATIO_FLOOR_BYTES && unpacked > packed * limits.maxRatio) throw zipTooLarge(archive, `entry ${JSON.stringify(name)} inflates ${Math.round(unpacked / Math.max(1, packed))}× (the limit is ${limits.maxRatio}×)`);
    entries.push({ name, method, packed, unpacked, localOffset });
  }
  return entries;
}
