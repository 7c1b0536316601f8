// Local paths DuckDB can open for a split's repo files: LFS objects in place in the blob store (no
// copy); files kept in git (small by construction) and objects of stores without local files are
// written into the preparation's work folder under their own extension.
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ModaError } from '../errors/moda-error.js';
import type { HubContext } from '../hub/context.js';
import { spawnGit } from '../hub/git.js';
import type { RepoFile } from '../hub/list-files.js';

export interface SourceFile {
  /** Path in the repo. */
  repoPath: string;
  /** Path DuckDB reads. */
  localPath: string;
  size: number;
  /** The LFS object read in place, when it is one. */
  oid?: string;
  compression: 'gzip' | 'zstd' | 'none';
}

function compressionOf(path: string): SourceFile['compression'] {
  if (/\.gz$/i.test(path)) return 'gzip';
  if (/\.zst$/i.test(path)) return 'zstd';
  return 'none';
}

export async function localSourceFile(hub: HubContext, gitDir: string, file: RepoFile, workDir: string, index: number): Promise<SourceFile> {
  const base = { repoPath: file.path, size: file.size, compression: compressionOf(file.path) };
  if (file.lfs) {
    const inPlace = hub.blobs.localPath?.(file.lfs.oid);
    if (inPlace) {
      const found = await stat(inPlace).catch(() => undefined);
      if (!found) throw new ModaError('LFS_OBJECT_MISSING', `${file.path}: its LFS object ${file.lfs.oid} is not in the store`);
      return { ...base, localPath: inPlace, oid: file.lfs.oid };
    }
  }
  const name = file.path.slice(file.path.lastIndexOf('/') + 1).replace(/[^\w.-]/g, '_');
  const target = join(workDir, `source-${index}-${name}`);
  if (file.lfs) await pipeline(await hub.blobs.read(file.lfs.oid), createWriteStream(target));
  else {
    const child = spawnGit(gitDir, ['cat-file', 'blob', file.blobId]);
    child.stderr.resume();
    await pipeline(child.stdout, createWriteStream(target));
  }
  return { ...base, localPath: target };
}
