// Restart recovery for real: a `moda serve` process is SIGKILLed while two jobs run; its job
// processes do not go on writing behind its back (one stops when its IPC channel closes, a busy one
// is killed by the next start), and the next start re-queues the job whose retry policy allows
// another attempt (it then commits whole, once) and fails the other with JOB_INTERRUPTED.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { startModaProcess, type ModaProcess } from './helpers/crash/moda-process.js';
import { createJob, finished, jobLog, TEST_JOB_MODULE, waitForJob } from './helpers/jobs.js';

const ADMIN = 'hf_moda_jobs_recovery_admin';
const servers: ModaProcess[] = [];
const pids: number[] = [];
let home: string | undefined;

after(async () => {
  for (const server of servers) await server.kill();
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone, as it should be.
    }
  }
  if (home) await rm(home, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check(); ) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function start(): Promise<ModaProcess> {
  const server = await startModaProcess({ home: home ?? '', adminToken: ADMIN, env: { MODA_JOB_MODULES: TEST_JOB_MODULE, MODA_JOB_CONCURRENCY: '2' } });
  servers.push(server);
  return server;
}

void test('jobs running when the server is SIGKILLed are re-queued or failed by their retry policy at the next start', async () => {
  home = await mkdtemp(join(tmpdir(), 'moda-jobs-recovery-'));
  const first = await start();
  const created = await first.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'steps', type: 'model' }) });
  assert.equal(created.status, 200);
  const baseHead = ((await (await first.request('/api/models/admin/steps')).json()) as { sha: string }).sha;

  // test-steps: 2 attempts allowed; test-spin: 1, and it never looks at its signal.
  const steps = await createJob(first.request, 'test-steps', { steps: 60, stepMs: 100, repo: 'admin/steps' });
  const spin = await createJob(first.request, 'test-spin', {});
  await waitForJob(first.request, steps.id, (job) => (job.progress.fraction ?? 0) > 0);
  await waitForJob(first.request, spin.id, (job) => job.progress.message === 'spinning');

  const database = new SQLite(join(home, 'moda.sqlite'), { readonly: true });
  const pidOf = (id: string) => (database.prepare('select pid from jobs where id = ?').get(id) as { pid: number | null }).pid;
  const stepsPid = pidOf(steps.id);
  const spinPid = pidOf(spin.id);
  assert.ok(stepsPid && spinPid, 'the running jobs record their processes');
  pids.push(stepsPid, spinPid);

  await first.kill({ onlyServer: true });
  // The waiting job sees its server gone and stops; the spinning one cannot see anything.
  await until('the job process whose server died stopping', () => !alive(stepsPid), 10_000);
  assert.ok(alive(spinPid), 'the CPU-bound job process outlived its server');
  const stateAfterKill = database.prepare('select state from jobs where id = ?').get(steps.id) as { state: string };
  assert.equal(stateAfterKill.state, 'running', 'nobody recorded anything after the SIGKILL');
  database.close();

  const second = await start();
  await until('the next start stopping the orphaned job process', () => !alive(spinPid), 10_000);

  const interrupted = await waitForJob(second.request, spin.id, finished);
  assert.equal(interrupted.state, 'failed');
  assert.equal(interrupted.error?.code, 'JOB_INTERRUPTED');
  assert.match(interrupted.error?.message ?? '', /server stopped while attempt 1 was running/);

  const rerun = await waitForJob(second.request, steps.id, finished, 120_000);
  assert.equal(rerun.state, 'succeeded', JSON.stringify(rerun));
  assert.equal(rerun.attempts, 2);
  const lines = await jobLog(second.request, steps.id);
  assert.ok(lines.some((line) => /server stopped while attempt 1 was running; re-queued/.test(line)), lines.join(' | '));

  // One commit on top of the repo's first: the killed attempt left nothing visible.
  const commits = (await (await second.request('/api/models/admin/steps/commits/main')).json()) as { id: string }[];
  assert.equal(commits.length, 2);
  assert.equal(commits[1]?.id, baseHead);
  assert.equal(commits[0]?.id, rerun.result?.commit);
  const tree = (await (await second.request('/api/models/admin/steps/tree/main')).json()) as { path: string }[];
  assert.equal(tree.filter((entry) => entry.path.startsWith('step-')).length, 60);
});
