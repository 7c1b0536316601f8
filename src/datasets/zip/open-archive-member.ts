// One member of a zip archive in a repo at a commit, for the archive-member route: the archive is
// read where it lies (an LFS object in place, by ranges from an object store, or from git), its
// directory checked with the same limits as a preparation (zip-directory.ts) and kept per archive
// content, so a page of thumbnails reads the directory once. A stored member serves ranges by
// seeking; a deflated one is inflated from its start.
import type { Readable } from 'node:stream';
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import { readBlobs, type RepoFile } from '../../hub/list-files.js';
import { LruCache } from '../../hub/lru-cache.js';
import type { ByteRange } from '../../hub/open-file-content.js';
import { entryDataStart, openZipEntry } from './open-zip-entry.js';
import { checkEntryName, readZipDirectory, zipInvalid, type ZipEntry } from './zip-directory.js';
import { blobZipSource, bufferZipSource, fileZipSource, type ZipSource } from './zip-source.js';

export interface ArchiveMember {
  name: string;
  size: number;
  /** Stored (not deflated): a range is read without inflating what comes before it. */
  seekable: boolean;
  /** The member's bytes, or `range` of them. The archive is closed when the stream closes. */
  read(range?: ByteRange): Promise<Readable>;
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

/** Checks a member name asked for by a client: a 400, not the archive's fault. */
export function checkMemberName(archive: string, member: string): string {
  try {
    return checkEntryName(archive, member);
  } catch (error) {
    throw new ModaError('VALIDATION_FAILED', `member ${JSON.stringify(member.slice(0, 200))} is not a path inside ${archive}`, { cause: error });
  }
}

export async function openArchiveMember(hub: HubContext, gitDir: string, file: RepoFile, member: string): Promise<ArchiveMember> {
  checkMemberName(file.path, member);
  const source = await sourceOf(hub, gitDir, file);
  try {
    const key = file.lfs?.oid ?? file.blobId;
    let entries = directories.get(key);
    if (!entries) {
      entries = new Map((await readZipDirectory(source, file.path)).map((entry) => [entry.name, entry]));
      directories.set(key, entries);
    }
    const entry = entries.get(member);
    if (!entry) throw new ModaError('HUB_ENTRY_NOT_FOUND', `${file.path} holds no file ${JSON.stringify(member.slice(0, 300))}`);
    const seekable = entry.method === 0;
    if (seekable && entry.packed !== entry.unpacked) throw zipInvalid(file.path, `stored entry ${JSON.stringify(entry.name)} declares ${entry.unpacked} bytes but holds ${entry.packed}`);
    return {
      name: entry.name,
      size: entry.unpacked,
      seekable,
      async read(range) {
        let stream: Readable;
        if (range && seekable) {
          const start = await entryDataStart(source, entry, file.path);
          stream = await source.stream(start + range.start, start + range.end);
        } else stream = await openZipEntry(source, entry, file.path);
        stream.once('close', () => void source.close());
        return stream;
      },
      close: () => source.close(),
    };
  } catch (error) {
    await source.close();
    throw error;
  }
}
