// Restart recovery for real: a `moda serve` process is SIGKILLed while two jobs run; its job
// processes do not go on writing behind its back (one stops when its IPC channel closes, a busy one
// is killed by the next start), and the next start re-queues the job whose retry policy allows
// another attempt (it then commits whole, once) and fails the other with JOB_INTERRUPTED.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { createJob, finished, jobLog, TEST_JOB_MODULE, waitForJob } from './helpers/jobs.js';
import { alive, recordedJobPid, restartFixture, until, type RestartFixture } from './helpers/job-processes.js';

let fixture: RestartFixture | undefined;

after(() => fixture?.cleanup());

void test('jobs running when the server is SIGKILLed are re-queued or failed by their retry policy at the next start', async () => {
  fixture = await restartFixture('jobs-recovery', 'hf_moda_jobs_recovery_admin', { MODA_JOB_MODULES: TEST_JOB_MODULE, MODA_JOB_CONCURRENCY: '2' });
  const first = await fixture.start();
  const created = await first.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'steps', type: 'model' }) });
  assert.equal(created.status, 200);
  const baseHead = ((await (await first.request('/api/models/admin/steps')).json()) as { sha: string }).sha;

  // test-steps: 2 attempts allowed; test-spin: 1, and it never looks at its signal.
  const steps = await createJob(first.request, 'test-steps', { steps: 60, stepMs: 100, repo: 'admin/steps' });
  const spin = await createJob(first.request, 'test-spin', {});
  await waitForJob(first.request, steps.id, (job) => (job.progress.fraction ?? 0) > 0);
  await waitForJob(first.request, spin.id, (job) => job.progress.message === 'spinning');

  const stepsPid = recordedJobPid(fixture.home, steps.id);
  const spinPid = recordedJobPid(fixture.home, spin.id);
  assert.ok(stepsPid && spinPid, 'the running jobs record their processes');
  fixture.watch(stepsPid);
  fixture.watch(spinPid);

  await first.kill({ onlyServer: true });
  // The waiting job sees its server gone and stops; the spinning one cannot see anything.
  await until('the job process whose server died stopping', () => !alive(stepsPid), 10_000);
  assert.ok(alive(spinPid), 'the CPU-bound job process outlived its server');
  const database = new SQLite(join(fixture.home, 'moda.sqlite'), { readonly: true });
  const stateAfterKill = database.prepare('select state from jobs where id = ?').get(steps.id) as { state: string };
  database.close();
  assert.equal(stateAfterKill.state, 'running', 'nobody recorded anything after the SIGKILL');

  const second = await fixture.start();
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
