// Streams the content of one repo file, whole or a byte range: LFS files from the blob store,
// regular files from git. Shared by every download route (Hugging Face resolve, ModelScope repo).
import { open, type FileHandle } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { ModaError } from '../errors/moda-error.js';
import type { HubContext } from './context.js';
import { spawnGit } from './git.js';
import type { RepoFile } from './list-files.js';

export interface ByteRange {
  start: number;
  end: number;
}

/** A byte range [start, end] of an open local file. */
export interface FileRegion {
  handle: FileHandle;
  start: number;
  end: number;
}

/**
 * An LFS file's bytes as a region of a local file, when the blob store keeps its objects on disk;
 * undefined for files kept in git and for stores without local files. The caller closes the handle.
 */
export async function openLocalBlob(hub: HubContext, oid: string, size: number, range: ByteRange | undefined): Promise<FileRegion | undefined> {
  const path = hub.blobs.localPath?.(oid);
  if (!path) return undefined;
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new ModaError('LFS_OBJECT_MISSING', `blob ${oid} is not in the store`);
    throw error;
  });
  return { handle, start: range?.start ?? 0, end: range?.end ?? size - 1 };
}

export async function openFileContent(hub: HubContext, gitDir: string, file: RepoFile, range: ByteRange | undefined): Promise<Readable> {
  if (file.lfs) return hub.blobs.read(file.lfs.oid, range);
  const child = spawnGit(gitDir, ['cat-file', 'blob', file.blobId]);
  child.stderr.resume();
  return range ? child.stdout.pipe(sliceBytes(range)) : child.stdout;
}

/** Passes through only the bytes [start, end] of a stream. */
function sliceBytes({ start, end }: ByteRange): Transform {
  let offset = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const from = Math.max(start - offset, 0);
      const to = Math.min(end + 1 - offset, chunk.length);
      offset += chunk.length;
      callback(null, from < to ? chunk.subarray(from, to) : undefined);
    },
  });
}
