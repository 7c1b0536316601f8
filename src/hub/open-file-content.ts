// Streams the content of one repo file, whole or a byte range: LFS files from the blob store,
// regular files from git. Shared by every download route (Hugging Face resolve, ModelScope repo).
import { Transform, type Readable } from 'node:stream';
import type { HubContext } from './context.js';
import { spawnGit } from './git.js';
import type { RepoFile } from './list-files.js';

export interface ByteRange {
  start: number;
  end: number;
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
