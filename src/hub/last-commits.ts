// The last commit that changed each path of a commit's tree. ModelScope's file listing gives every
// file its own `Revision` (and `CommittedDate`), and the SDK keys its cache on (Path, Revision), so a
// new commit must not invalidate files it did not touch; Hugging Face's expanded tree shows it as
// `lastCommit`. Commits are immutable: cached by sha.
import { git } from './git.js';
import { LruCache } from './lru-cache.js';

export interface LastCommit {
  sha: string;
  /** Unix seconds. */
  time: number;
  /** The commit's subject line. */
  title: string;
}

/** History walked per listing; older paths fall back to the listed commit itself. */
const MAX_COMMITS = 5000;

export interface PathHistory {
  /** Files and their parent folders, mapped to the newest first-parent commit that touched them. */
  paths: Map<string, LastCommit>;
  /** The commit itself: the answer for paths older than the history walked. */
  head: LastCommit;
}

const cache = new LruCache<string, PathHistory>({
  name: 'ms-last-commits',
  maxEntries: 256,
  maxBytes: 64 * 1024 ** 2,
  sizeOf: (history) => {
    let bytes = 200;
    for (const [path, last] of history.paths) bytes += 2 * (path.length + last.sha.length) + 120;
    return bytes;
  },
});

export async function lastCommits(gitDir: string, commit: string): Promise<PathHistory> {
  const key = `${gitDir}\0${commit}`;
  const hit = cache.get(key);
  if (hit) return hit;
  // First-parent history with merges diffed against their first parent: a file that arrived by a
  // merge belongs to the merge, the moment it appeared on this branch.
  const { stdout } = await git(gitDir, [
    'log',
    '--first-parent',
    '--diff-merges=first-parent',
    '--no-renames',
    '--name-only',
    '-z',
    `--max-count=${MAX_COMMITS}`,
    '--format=%x01%H %ct %s',
    commit,
    '--',
  ]);
  const paths = new Map<string, LastCommit>();
  let head: LastCommit | undefined;
  let current: LastCommit | undefined;
  for (const token of stdout.toString('utf8').split('\0')) {
    if (token.startsWith('\x01')) {
      const [sha = '', time = '0', ...subject] = token.slice(1).split(' ');
      current = { sha, time: Number(time), title: subject.join(' ') };
      head ??= current;
      continue;
    }
    const path = token.replace(/^\n/, '');
    if (!path || !current) continue;
    // The path, then its folders upwards; a path already set has all its folders set too, by newer commits.
    for (let end = path.length; end > 0; end = path.lastIndexOf('/', end - 1)) {
      const prefix = path.slice(0, end);
      if (paths.has(prefix)) break;
      paths.set(prefix, current);
    }
  }
  const result = { paths, head: head ?? { sha: commit, time: 0, title: '' } };
  cache.set(key, result);
  return result;
}
