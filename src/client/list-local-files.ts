// Lists what an upload sends: one file, or every file under a folder (following symlinks, skipping
// `.git` folders), each with the path it gets in the repo (always with `/`).
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ModaError } from '../errors/moda-error.js';
import { checkFilePath } from '../hub/paths.js';

export interface LocalFile {
  /** Where it is on disk. */
  localPath: string;
  /** Where it goes in the repo. */
  path: string;
  size: number;
}

const SKIPPED_FOLDERS = new Set(['.git']);

function joinRepoPath(prefix: string, path: string): string {
  const clean = prefix.replace(/^\/+|\/+$/g, '');
  return clean === '' ? path : `${clean}/${path}`;
}

/** `pathInRepo`: the folder the files go into (a folder upload) or the file's own path (a file upload). */
export async function listLocalFiles(localPath: string, pathInRepo?: string): Promise<LocalFile[]> {
  const info = await stat(localPath).catch((error: unknown) => {
    throw new ModaError('PATH_INVALID', `cannot read ${localPath}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  });
  if (info.isFile()) {
    const path = pathInRepo ? pathInRepo.replace(/^\/+/, '') : basename(localPath);
    return [{ localPath, path: checkFilePath(path), size: info.size }];
  }
  if (!info.isDirectory()) throw new ModaError('PATH_INVALID', `${localPath} is neither a file nor a folder`);
  const files: LocalFile[] = [];
  const walk = async (folder: string, relative: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    for (const entry of entries) {
      const absolute = join(folder, entry.name);
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      const entryInfo = entry.isSymbolicLink() ? await stat(absolute) : entry;
      if (entryInfo.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) await walk(absolute, path);
      } else if (entryInfo.isFile()) {
        files.push({ localPath: absolute, path: checkFilePath(joinRepoPath(pathInRepo ?? '', path)), size: (await stat(absolute)).size });
      }
    }
  };
  await walk(localPath, '');
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
