// ModelScope's file listing entry (`Data.Files[]` of repo/files and repo/tree): the fields the SDK
// reads are Name, Path, Type (blob|tree), Size, Sha256 (checked after download) and Revision (the
// cache key together with Path).
import { ModaError } from '../../errors/moda-error.js';
import { listTree } from '../../hub/list-files.js';
import { checkFolderPath } from '../../hub/paths.js';
import type { RepoRecord } from '../../hub/repos/repo-record.js';
import { contentSha256 } from './content-digests.js';
import { lastCommits } from '../../hub/last-commits.js';

export interface FileEntry {
  Name: string;
  Path: string;
  Type: 'blob' | 'tree';
  Size: number;
  /** sha256 of the content; empty for folders. */
  Sha256: string;
  IsLFS: boolean;
  /** The last commit that changed this path. */
  Revision: string;
  /** Unix seconds of that commit. */
  CommittedDate: number;
}

export interface ListOptions {
  /** Folder to list; '' or '/' for the root. */
  root: string | undefined;
  recursive: boolean;
}

/** Folders first, then files, each in path order; a root that is not a folder is a 404. */
export async function listFileEntries(repo: RepoRecord, commit: string, options: ListOptions): Promise<FileEntry[]> {
  const folder = checkFolderPath((options.root ?? '').replace(/^\/+/, ''));
  const tree = await listTree(repo.gitDir, commit);
  if (folder !== '' && !tree.directories.some((directory) => directory.path === folder)) {
    throw new ModaError('HUB_ENTRY_NOT_FOUND', `folder ${folder} does not exist at ${commit}`);
  }
  const prefix = folder === '' ? '' : `${folder}/`;
  const inScope = (path: string) => path.startsWith(prefix) && (options.recursive || !path.slice(prefix.length).includes('/'));
  const directories = tree.directories.filter((directory) => inScope(directory.path));
  const files = tree.files.filter((file) => inScope(file.path));
  const [history, digests] = await Promise.all([
    lastCommits(repo.gitDir, commit),
    contentSha256(repo.gitDir, files.filter((file) => !file.lfs).map((file) => file.blobId)),
  ]);
  const changed = (path: string) => history.paths.get(path) ?? history.head;
  const byPath = (a: { Path: string }, b: { Path: string }) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0);
  const name = (path: string) => path.slice(path.lastIndexOf('/') + 1);
  return [
    ...directories
      .map((directory): FileEntry => {
        const last = changed(directory.path);
        return { Name: name(directory.path), Path: directory.path, Type: 'tree', Size: 0, Sha256: '', IsLFS: false, Revision: last.sha, CommittedDate: last.time };
      })
      .sort(byPath),
    ...files
      .map((file): FileEntry => {
        const last = changed(file.path);
        return {
          Name: name(file.path),
          Path: file.path,
          Type: 'blob',
          Size: file.size,
          Sha256: file.lfs ? file.lfs.oid : (digests.get(file.blobId) ?? ''),
          IsLFS: file.lfs !== undefined,
          Revision: last.sha,
          CommittedDate: last.time,
        };
      })
      .sort(byPath),
  ];
}
