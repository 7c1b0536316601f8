// The LFS objects a repo's whole history (all branches and tags) points at: every blob of pointer
// size reachable from a ref is read and parsed, so a bundle carries old versions' weights too.
import { git, gitText } from './git.js';
import { parseLfsPointer, POINTER_MAX_SIZE, POINTER_MIN_SIZE, type LfsPointer } from './lfs-pointer.js';
import { readBlobs } from './list-files.js';

export async function listLfsObjects(gitDir: string): Promise<LfsPointer[]> {
  const reachable = await gitText(gitDir, ['rev-list', '--objects', '--branches', '--tags']);
  const ids = [...new Set(reachable.split('\n').map((line) => line.slice(0, 40)).filter((id) => id.length === 40))];
  if (ids.length === 0) return [];
  const { stdout } = await git(gitDir, ['cat-file', '--batch-check=%(objectname) %(objecttype) %(objectsize)'], { input: `${ids.join('\n')}\n` });
  const candidates = stdout
    .toString('utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([, type, size]) => type === 'blob' && Number(size) >= POINTER_MIN_SIZE && Number(size) <= POINTER_MAX_SIZE)
    .map(([id]) => id as string);
  const pointers = new Map<string, LfsPointer>();
  for (const content of (await readBlobs(gitDir, candidates)).values()) {
    const pointer = parseLfsPointer(content);
    if (pointer) pointers.set(pointer.oid, pointer);
  }
  return [...pointers.values()];
}
