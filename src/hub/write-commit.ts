// Writes one commit with `git fast-import` (every blob and the tree in one process) onto a scratch
// ref, then moves the branch with a compare-and-swap `update-ref --stdin` transaction that also
// drops the scratch ref. A crash at any point leaves either the old head or the new one, never a
// half-written branch.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ModaError } from '../errors/moda-error.js';
import { checkGitmodules } from './check-gitmodules.js';
import { git, spawnGit } from './git.js';
import { formatLfsPointer } from './lfs-pointer.js';
import { checkFilePath, checkFolderPath, isDotGitmodules } from './paths.js';

export type CommitOperation =
  | { kind: 'file'; path: string; content: Uint8Array }
  | { kind: 'lfsFile'; path: string; oid: string; size: number }
  | { kind: 'deletedFile'; path: string }
  | { kind: 'deletedFolder'; path: string };

export interface CommitAuthor {
  name: string;
  email: string;
}

export interface WriteCommitInput {
  /** Commit the new one builds on; undefined for the first commit of a branch. */
  parent: string | undefined;
  operations: CommitOperation[];
  summary: string;
  description?: string;
  author: CommitAuthor;
  date?: Date;
}

/** Builds the commit object and returns its sha; no branch is moved. */
export async function buildCommit(gitDir: string, input: WriteCommitInput): Promise<string> {
  await checkOperations(input.operations);
  const scratch = `refs/moda/scratch/${randomBytes(8).toString('hex')}`;
  const child = spawnGit(gitDir, ['fast-import', '--quiet', '--done', '--force']);
  const stderr: Buffer[] = [];
  const stdout: Buffer[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  const closed = once(child, 'close') as Promise<[number | null]>;
  child.stdin.on('error', () => undefined);

  const write = async (chunk: string | Uint8Array) => {
    if (!child.stdin.write(chunk)) await Promise.race([once(child.stdin, 'drain'), closed]);
  };
  const seconds = Math.floor((input.date ?? new Date()).getTime() / 1000);
  const who = `${sanitize(input.author.name)} <${sanitize(input.author.email)}> ${seconds} +0000`;
  const message = Buffer.from(input.description ? `${input.summary}\n\n${input.description}\n` : `${input.summary}\n`);

  await write(`commit ${scratch}\nmark :1\nauthor ${who}\ncommitter ${who}\ndata ${message.byteLength}\n`);
  await write(message);
  await write('\n');
  if (input.parent) await write(`from ${input.parent}\n`);
  for (const operation of input.operations) {
    const path = quote(operation.path);
    if (operation.kind === 'deletedFile' || operation.kind === 'deletedFolder') {
      await write(`D ${path}\n`);
      continue;
    }
    const content = operation.kind === 'file' ? operation.content : Buffer.from(formatLfsPointer(operation));
    await write(`M 100644 inline ${path}\ndata ${content.byteLength}\n`);
    await write(content);
    await write('\n');
  }
  await write('\nget-mark :1\ndone\n');
  child.stdin.end();
  const [code] = await closed;
  if (code !== 0) {
    throw new ModaError('INTERNAL', `git fast-import failed: ${Buffer.concat(stderr).toString('utf8').trim()}`);
  }
  const sha = Buffer.concat(stdout).toString('utf8').trim();
  await git(gitDir, ['update-ref', '-d', scratch]);
  return sha;
}

/**
 * Moves `ref` from `expected` (undefined: the ref must not exist) to `next` atomically.
 * Returns false when the ref was not at `expected` (someone else moved it).
 */
export async function compareAndSwapRef(gitDir: string, ref: string, next: string, expected: string | undefined): Promise<boolean> {
  const zero = '0'.repeat(40);
  try {
    await git(gitDir, ['update-ref', '--stdin'], { input: `update ${ref} ${next} ${expected ?? zero}\n` });
    return true;
  } catch (error) {
    const stderr = String((error as ModaError).details?.stderr ?? '');
    // Lost the race: the ref moved, already exists, or another writer holds its lock right now.
    if (/but expected|reference already exists/.test(stderr)) return false;
    if (/\.lock': File exists/.test(stderr)) {
      await removeStaleRefLock(gitDir, ref);
      return false;
    }
    throw error;
  }
}

/**
 * git holds a ref's lock file for milliseconds; one much older was left by a writer killed
 * mid-update (a replica SIGKILLed in a cluster, where start-up recovery may not clean shared
 * folders). Left there, it would refuse every later commit to the branch.
 */
export const STALE_REF_LOCK_MS = 10_000;

async function removeStaleRefLock(gitDir: string, ref: string): Promise<void> {
  const lock = join(gitDir, `${ref}.lock`);
  const info = await stat(lock).catch(() => undefined);
  if (info && Date.now() - info.mtimeMs > STALE_REF_LOCK_MS) await rm(lock, { force: true });
}

/**
 * Every API write (commits, new repos, mirrors) passes here: git's verify_path rules for each path
 * (paths.ts) and its fsck checks for any file git reads as .gitmodules, which pushes already get
 * through receive.fsckObjects.
 */
async function checkOperations(operations: CommitOperation[]): Promise<void> {
  for (const operation of operations) {
    if (operation.kind === 'deletedFolder') {
      checkFolderPath(operation.path);
      continue;
    }
    checkFilePath(operation.path);
    if (operation.kind === 'deletedFile' || !isDotGitmodules(operation.path.slice(operation.path.lastIndexOf('/') + 1))) continue;
    if (operation.kind === 'lfsFile') throw new ModaError('GITMODULES_INVALID', `${operation.path}: .gitmodules cannot be an LFS file`);
    await checkGitmodules(operation.path, operation.content);
  }
}

function quote(path: string): string {
  return `"${path.replace(/"/g, '\\"')}"`;
}

function sanitize(value: string): string {
  return value.replace(/[<>\n\0]/g, '').trim() || 'unknown';
}
