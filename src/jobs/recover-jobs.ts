// Restart recovery: a job left `running` by a server process that is gone (SIGKILL, OOM, power) is
// re-queued when its type's retry policy allows another attempt, or failed with JOB_INTERRUPTED.
// Whatever it half-wrote stays invisible: commits are compare-and-swap ref updates made at the end,
// its temp dir is removed here and its token deleted.
import { readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../db/open-database.js';
import type { HubContext } from '../hub/context.js';
import { fenceOf, finishJob, requeueJob } from './job-store.js';
import { revokeJobToken } from './job-token.js';
import { backoffDelayMs, type JobTypeRegistry } from './job-type.js';

/** Runner ids of the job queues open in this process (tests run several servers in one process). */
export const liveRunners = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the runner that holds a job is gone; a runner on another host is left to that host (or,
 * in a cluster, to the lease check of reconcile-lost-jobs.ts). `nodeName`: MODA_NODE_NAME.
 */
export function runnerIsGone(runner: string | null, nodeName = ''): boolean {
  if (!runner) return true;
  const [host, pidText] = runner.split(':');
  if (host !== (nodeName || hostname())) return false;
  const pid = Number(pidText);
  if (pid === process.pid) return !liveRunners.has(runner);
  return !Number.isInteger(pid) || !isAlive(pid);
}

/** Whether `pid` is a job process (its command line names job-process), not a process that reused the number. */
async function isJobProcess(pid: number): Promise<boolean> {
  const commandLine = await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '');
  return /job-process\.(ts|js)/.test(commandLine);
}

/**
 * A job process whose server died stops by itself when it sees its IPC channel close, but one busy
 * on the CPU sees nothing: kill it before the job runs again, so two attempts never write at once.
 */
async function stopOrphanProcess(pid: number | null): Promise<void> {
  if (pid === null || !(await isJobProcess(pid))) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  for (let waited = 0; waited < 5000 && isAlive(pid) && (await isJobProcess(pid)); waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
}

export async function recoverJobs(hub: HubContext, registry: JobTypeRegistry, changeState: (id: string, change: (db: Db) => Promise<boolean>, lines: string[]) => Promise<boolean>): Promise<number> {
  const orphans = (await hub.db.selectFrom('jobs').selectAll().where('state', '=', 'running').execute()).filter((job) => runnerIsGone(job.runner, hub.config.nodeName));
  for (const job of orphans) {
    await stopOrphanProcess(job.pid);
    await rm(join(hub.config.home, 'jobs', 'tmp', job.id), { recursive: true, force: true });
    await revokeJobToken(hub, job);
    const reason = `the server stopped while attempt ${job.attempts} was running`;
    const type = registry.get(job.type);
    if (type && job.attempts < job.max_attempts) {
      const delay = backoffDelayMs(type.backoff, job.attempts);
      await changeState(job.id, (db) => requeueJob(db, job.id, { runAfter: new Date(Date.now() + delay), from: 'running', fence: fenceOf(job), error: { code: 'JOB_INTERRUPTED', message: reason } }), [
        `${reason}; re-queued (attempt ${job.attempts + 1} of ${job.max_attempts} in ${Math.round(delay / 1000)} s)`,
      ]);
    } else {
      const why = type ? `no attempts left (${job.max_attempts})` : `job type ${job.type} is not registered any more`;
      await changeState(job.id, (db) => finishJob(db, job.id, { state: 'failed', error: { code: 'JOB_INTERRUPTED', message: `${reason}; ${why}` } }, 'running', fenceOf(job)), [`${reason}; failed`]);
    }
  }
  return orphans.length;
}
