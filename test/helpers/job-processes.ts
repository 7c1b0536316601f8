// What the tests of job processes share: the process a running job recorded (the jobs table), whether
// a process is alive, waiting for a condition, and for the restart tests `moda serve` processes on one
// MODA_HOME with cleanup that also kills job processes a killed server left behind.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { startModaProcess, type ModaProcess } from './crash/moda-process.js';

/** The pid the job's running attempt recorded, read from the server's SQLite file. */
export function recordedJobPid(home: string, jobId: string): number | null {
  const database = new SQLite(join(home, 'moda.sqlite'), { readonly: true });
  try {
    return (database.prepare('select pid from jobs where id = ?').get(jobId) as { pid: number | null } | undefined)?.pid ?? null;
  } finally {
    database.close();
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check(); ) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface RestartFixture {
  home: string;
  /** Starts `moda serve` on the fixture's home. */
  start(): Promise<ModaProcess>;
  /** A job process to SIGKILL at cleanup if it is still there (it should not be). */
  watch(pid: number): void;
  cleanup(): Promise<void>;
}

export async function restartFixture(name: string, adminToken: string, env: Record<string, string>): Promise<RestartFixture> {
  const home = await mkdtemp(join(tmpdir(), `moda-${name}-`));
  const servers: ModaProcess[] = [];
  const pids: number[] = [];
  return {
    home,
    async start() {
      const server = await startModaProcess({ home, adminToken, env });
      servers.push(server);
      return server;
    },
    watch: (pid) => void pids.push(pid),
    async cleanup() {
      for (const server of servers) await server.kill();
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone, as it should be.
        }
      }
      await rm(home, { recursive: true, force: true });
    },
  };
}
