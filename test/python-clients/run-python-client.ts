// Runs a Python script of this folder with Debian's python3 and the released sources of an official
// client from `<repo root>/../shared/clients/`, with a guard (guard/sitecustomize.py) that refuses
// any host other than 127.0.0.1 and logs each refusal, so a test can fail on one the client hid.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
/** `<repo root>/../shared/clients`, as in CI; MODA_PYTHON_CLIENTS points elsewhere (a worktree elsewhere). */
export const CLIENTS_DIR = process.env.MODA_PYTHON_CLIENTS ?? resolve(HERE, '../../../shared/clients');
export const PYTHON = '/usr/bin/python3';

export interface PythonRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Requests the guard refused: each one a line. */
  refused: string[];
}

/** Fails loudly when the clients or Debian's python are missing: these tests must never skip. */
export function requireClients(folders: string[]): string[] {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: install Debian's python3 (see .ci/run)`);
  return folders.map((folder) => {
    const path = join(CLIENTS_DIR, folder);
    if (!existsSync(path)) throw new Error(`${path} is missing: the official Python clients must sit in ../shared/clients beside the repository (see its README.md)`);
    return path;
  });
}

export async function runPythonClient(script: string, clientFolders: string[], env: Record<string, string>, timeoutMs = 150_000): Promise<PythonRun> {
  const paths = requireClients(clientFolders);
  const home = await mkdtemp(join(tmpdir(), 'moda-pyclient-'));
  const guardLog = join(home, 'refused.log');
  try {
    const child = spawn(PYTHON, [join(HERE, script)], {
      cwd: home,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        PYTHONPATH: [join(HERE, 'guard'), HERE, ...paths].join(':'),
        PYTHONDONTWRITEBYTECODE: '1',
        PYTHONUNBUFFERED: '1',
        MODA_GUARD_LOG: guardLog,
        WORK_DIR: home,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await new Promise<number | null>((done) => child.on('close', (exitCode) => done(exitCode)));
    clearTimeout(timer);
    const refused = existsSync(guardLog) ? (await readFile(guardLog, 'utf8')).split('\n').filter(Boolean) : [];
    return { code, stdout, stderr, refused };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
