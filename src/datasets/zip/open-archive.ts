// A zip archive of a repo at a commit, opened once for any number of member reads: the archive is
// read where it lies (an LFS object in place, by ranges from an object store, or from git), its
// directory checked with the same limits as a preparation (zip-directory.ts) and kept per archive
// content, so neither a page of thumbnails nor a job reading thousands of members reads it twice.
// Every member is read through open-zip-entry.ts, which stops at the size its entry declares.
import type { Readable } from 'node:stream';
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import { readBlobs, type RepoFile } from '../../hub/list-files.js';
import { LruCache } from '../../hub/lru-cache.js';
import { entryDataStart, openZipEntry } from './open-zip-entry.js';
import { readZipDirectory, zipInvalid, type ZipEntry } from './zip-directory.js';
import { blobZipSource, bufferZipSource, fileZipSource, type ZipSource } from './zip-source.js';

export interface OpenArchive {
  /** The archive's path in the repo (named in errors). */
  path: string;
  /** The file entry named `member`; undefined when the archive holds none. */
  entry(member: string): ZipEntry | undefined;
  /**
   * The entry's unpacked bytes, or bytes `start`–`end` of a stored one; the stream fails with
   * DATASET_ARCHIVE_TOO_LARGE past the size it declares and DATASET_ARCHIVE_INVALID short of it.
   */
  read(entry: ZipEntry, range?: { start: number; end: number }): Promise<Readable>;
  close(): Promise<void>;
}

// Keyed by the archive's content id (LFS oid or git blob id): one entry serves every repo and commit holding it.
const directories = new LruCache<string, Map<string, ZipEntry>>({
  name: 'dataset-archive-directories',
  maxEntries: 64,
  maxBytes: 64 * 1024 ** 2,
  sizeOf: (entries) => [...entries.keys()].reduce((sum, name) => sum + 2 * name.length + 120, 0),
});

async function sourceOf(hub: HubContext, gitDir: string, file: RepoFile): Promise<ZipSource> {
  if (!file.lfs) {
    const blob = (await readBlobs(gitDir, [file.blobId])).get(file.blobId);
    if (!blob) throw new ModaError('HUB_ENTRY_NOT_FOUND', `${file.path} could not be read from git`);
    return bufferZipSource(blob);
  }
  const local = hub.blobs.localPath?.(file.lfs.oid);
  if (local) {
    return fileZipSource(local).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') throw new ModaError('LFS_OBJECT_MISSING', `${file.path}: its LFS object ${file.lfs?.oid} is not in the store`);
      throw error;
    });
  }
  return blobZipSource(hub.blobs, file.lfs.oid, file.size);
}

export async function openArchive(hub: HubContext, gitDir: string, file: RepoFile): Promise<OpenArchive> {
  const source = await sourceOf(hub, gitDir, file);
  try {
    const key = file.lfs?.oid ?? file.blobId;
    let entries = directories.get(key);
    if (!entries) {
      entries = new Map((await readZipDirectory(source, file.path)).map((entry) => [entry.name, entry]));
      directories.set(key, entries);
    }
    const known = entries;
    return {
      path: file.path,
      entry: (member) => known.get(member),
      async read(entry, range) {
        if (entry.method === 0 && entry.packed !== entry.unpacked) throw zipInvalid(file.path, `stored entry ${JSON.stringify(entry.name)} declares ${entry.unpacked} bytes but holds ${entry.packed}`);
        if (!range) return openZipEntry(source, entry, file.path);
        if (entry.method !== 0) throw new ModaError('INTERNAL', `a range of deflated entry ${entry.name} was asked for`);
        const start = await entryDataStart(source, entry, file.path);
        return source.stream(start + range.start, start + range.end);
      },
      close: () => source.close(),
    };
  } catch (error) {
    await source.close();
    throw error;
  }
}
