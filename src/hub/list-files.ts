// Lists every file of a commit with its git blob id, size and LFS pointer (if any). Commits are
// immutable, so results are cached by commit sha: repo info and tree requests cost no git process
// once a commit has been seen.
import { ModaError } from '../errors/moda-error.js';
import { git, spawnGit } from './git.js';
import { LruCache } from './lru-cache.js';
import { parseLfsPointer, POINTER_MAX_SIZE, POINTER_MIN_SIZE, type LfsPointer } from './lfs-pointer.js';

export interface RepoFile {
  path: string;
  /** git blob sha1 of what git stores (the pointer, for LFS files). */
  blobId: string;
  mode: string;
  /** Size of the real content (the LFS object's size for LFS files). */
  size: number;
  lfs?: LfsPointer & { pointerSize: number };
}

export interface RepoDirectory {
  path: string;
  /** git tree sha1. */
  oid: string;
}

export interface RepoTree {
  files: RepoFile[];
  directories: RepoDirectory[];
}

/** Bytes a file list holds: its paths and ids, plus objects (a pointer's oid too, for LFS files). */
function treeBytes(tree: RepoTree): number {
  let bytes = 0;
  for (const file of tree.files) bytes += 2 * (file.path.length + file.blobId.length + file.mode.length) + (file.lfs ? 400 : 150);
  for (const directory of tree.directories) bytes += 2 * (directory.path.length + directory.oid.length) + 100;
  return bytes;
}

// A repo of 100,000 files lists ~30 MB: the count alone would let 512 such lists fill the memory.
const cache = new LruCache<string, RepoTree>({ name: 'file-lists', maxEntries: 512, maxBytes: 128 * 1024 ** 2, sizeOf: treeBytes });

export async function listFiles(gitDir: string, commit: string): Promise<RepoFile[]> {
  return (await listTree(gitDir, commit)).files;
}

export async function listTree(gitDir: string, commit: string): Promise<RepoTree> {
  const key = `${gitDir}\0${commit}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const tree = await readTree(gitDir, commit);
  cache.set(key, tree);
  return tree;
}

async function readTree(gitDir: string, commit: string): Promise<RepoTree> {
  const { stdout } = await git(gitDir, ['ls-tree', '-r', '-t', '-l', '-z', '--full-tree', commit]);
  const files: RepoFile[] = [];
  const directories: RepoDirectory[] = [];
  for (const record of stdout.toString('utf8').split('\0')) {
    if (!record) continue;
    const tab = record.indexOf('\t');
    const [mode = '', type, blobId = '', size = '0'] = record.slice(0, tab).split(/ +/);
    if (type === 'tree') directories.push({ path: record.slice(tab + 1), oid: blobId });
    if (type !== 'blob') continue;
    files.push({ path: record.slice(tab + 1), blobId, mode, size: Number(size) });
  }
  const candidates = files.filter((file) => file.size >= POINTER_MIN_SIZE && file.size <= POINTER_MAX_SIZE);
  if (candidates.length > 0) {
    const contents = await readBlobs(gitDir, candidates.map((file) => file.blobId));
    for (const file of candidates) {
      const content = contents.get(file.blobId);
      const pointer = content ? parseLfsPointer(content) : undefined;
      if (pointer) {
        file.lfs = { ...pointer, pointerSize: file.size };
        file.size = pointer.size;
      }
    }
  }
  return { files, directories };
}

/** Reads many small blobs with one `git cat-file --batch`. */
export function readBlobs(gitDir: string, blobIds: string[]): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const child = spawnGit(gitDir, ['cat-file', '--batch']);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new ModaError('INTERNAL', `git cat-file --batch exited with ${code}`));
      const output = Buffer.concat(chunks);
      const result = new Map<string, Buffer>();
      let offset = 0;
      while (offset < output.length) {
        const newline = output.indexOf(10, offset);
        const header = output.subarray(offset, newline).toString('utf8').split(' ');
        offset = newline + 1;
        if (header[1] === 'missing') continue;
        const size = Number(header[2]);
        result.set(header[0] ?? '', output.subarray(offset, offset + size));
        offset += size + 1;
      }
      resolve(result);
    });
    child.stdin.end([...new Set(blobIds)].join('\n') + '\n');
  });
}

/** Reads one small file of a commit, or undefined when absent. */
export async function readSmallFile(gitDir: string, commit: string, path: string): Promise<Buffer | undefined> {
  const file = (await listFiles(gitDir, commit)).find((entry) => entry.path === path);
  if (!file || file.lfs || file.size > 4 * 1024 * 1024) return undefined;
  return (await readBlobs(gitDir, [file.blobId])).get(file.blobId);
}
