// Read-only git checks the crash and concurrency tests make on a repo's bare git directory.
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };

export interface GitOutput {
  code: number;
  stdout: string;
  stderr: string;
}

export async function gitIn(gitDir: string, args: string[]): Promise<GitOutput> {
  try {
    const { stdout, stderr } = await run('git', [`--git-dir=${gitDir}`, ...args], { env: GIT_ENV, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/**
 * `git fsck --strict`; returns the problems it reports (empty: clean). Dangling objects are not
 * problems: an interrupted commit legitimately leaves unreferenced blobs and commits behind.
 */
export async function fsckProblems(gitDir: string): Promise<string[]> {
  const result = await gitIn(gitDir, ['fsck', '--strict', '--no-progress']);
  const problems = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('dangling ') && !line.startsWith('Checking '));
  if (result.code !== 0) problems.unshift(`git fsck exited with ${result.code}`);
  return problems;
}

export async function revParse(gitDir: string, revision: string): Promise<string> {
  const result = await gitIn(gitDir, ['rev-parse', '--verify', '--end-of-options', revision]);
  if (result.code !== 0) throw new Error(`git rev-parse ${revision}: ${result.stderr}`);
  return result.stdout.trim();
}

export async function isAncestor(gitDir: string, ancestor: string, descendant: string): Promise<boolean> {
  return (await gitIn(gitDir, ['merge-base', '--is-ancestor', ancestor, descendant])).code === 0;
}

/** `[commit, ...parents]` for every commit reachable from `revision`, newest first. */
export async function commitParents(gitDir: string, revision: string): Promise<string[][]> {
  const result = await gitIn(gitDir, ['rev-list', '--parents', revision]);
  if (result.code !== 0) throw new Error(`git rev-list ${revision}: ${result.stderr}`);
  return result.stdout.split('\n').filter(Boolean).map((line) => line.split(' '));
}

export async function filesAt(gitDir: string, revision: string): Promise<string[]> {
  const result = await gitIn(gitDir, ['ls-tree', '-r', '--name-only', revision]);
  if (result.code !== 0) throw new Error(`git ls-tree ${revision}: ${result.stderr}`);
  return result.stdout.split('\n').filter(Boolean);
}

/** Every `*.lock` file under the git dir (refs, packed-refs, HEAD, config). */
export async function lockFiles(gitDir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (directory: string): Promise<void> => {
    for (const entry of await readdir(directory, { withFileTypes: true }).catch(() => [])) {
      const path = join(directory, entry.name);
      if (entry.isDirectory() && entry.name !== 'objects') await walk(path);
      else if (entry.name.endsWith('.lock')) found.push(path);
    }
  };
  await walk(gitDir);
  return found;
}
