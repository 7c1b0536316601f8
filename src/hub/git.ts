// Runs git plumbing against a bare repository. Every call passes the git dir explicitly and never a
// shell, so repo names and paths cannot be interpreted as options or commands.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { ModaError } from '../errors/moda-error.js';

export interface GitOptions {
  input?: string | Uint8Array;
  env?: Record<string, string>;
  /** Exit codes that are answers, not failures (e.g. 1 from `cat-file -e`). */
  okCodes?: number[];
}

const baseEnv = {
  // A server must never read the operator's ~/.gitconfig or prompt for anything.
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  HOME: '/nonexistent',
  LC_ALL: 'C',
};

export function spawnGit(gitDir: string, args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  return spawn('git', [`--git-dir=${gitDir}`, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...baseEnv, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export interface GitResult {
  stdout: Buffer;
  code: number;
}

export function git(gitDir: string, args: string[], options: GitOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawnGit(gitDir, args, options.env);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new ModaError('INTERNAL', `git could not start: ${error.message}`, { cause: error })));
    child.on('close', (code) => {
      const exit = code ?? -1;
      if (exit === 0 || options.okCodes?.includes(exit)) resolve({ stdout: Buffer.concat(out), code: exit });
      else {
        const stderr = Buffer.concat(err).toString('utf8').trim();
        reject(new ModaError('INTERNAL', `git ${args[0]} failed (${exit}): ${stderr}`, { details: { exit, stderr } }));
      }
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

export async function gitText(gitDir: string, args: string[], options?: GitOptions): Promise<string> {
  return (await git(gitDir, args, options)).stdout.toString('utf8');
}
