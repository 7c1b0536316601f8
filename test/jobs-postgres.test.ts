// Jobs on PostgreSQL: the same records, claims, logs, cancel and retry as on SQLite, on a throwaway
// cluster (PostgreSQL must be installed; a missing one fails the test).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startPostgresCluster, type PostgresCluster } from './helpers/postgres-cluster.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';
import { createJob, finished, jobLog, TEST_JOB_MODULE, waitForJob } from './helpers/jobs.js';

let cluster: PostgresCluster;
let home: string;
let server: TestServer;

before(async () => {
  cluster = await startPostgresCluster();
  home = await mkdtemp(join(tmpdir(), 'moda-jobs-pg-'));
  server = await startTestServer({ databaseUrl: cluster.url, jobModules: [TEST_JOB_MODULE], jobConcurrency: 2 }, home);
});

after(async () => {
  await server?.stop();
  await cluster?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

void test('on PostgreSQL a job runs, logs, is listed by state and type, cancels and retries', async () => {
  const alice = await createUserWithToken(server, 'alice');
  const created = await createJob(server.request, 'test-steps', { steps: 3, stepMs: 10, failUntilAttempt: 2 }, alice);
  const job = await waitForJob(server.request, created.id, finished, 120_000, alice);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  assert.equal(job.attempts, 2);
  assert.equal(job.progress.fraction, 1);
  const lines = await jobLog(server.request, job.id, alice);
  assert.equal(lines.filter((line) => line === 'step 3').length, 2);

  const long = await createJob(server.request, 'test-steps', { steps: 500, stepMs: 20 }, alice);
  await waitForJob(server.request, long.id, (current) => (current.progress.fraction ?? 0) > 0, 120_000, alice);
  assert.equal((await server.request(`/api/v1/jobs/${long.id}/cancel`, { method: 'POST', token: alice })).status, 200);
  assert.equal((await waitForJob(server.request, long.id, finished, 10_000, alice)).state, 'cancelled');
  assert.equal((await server.request(`/api/v1/jobs/${long.id}/retry`, { method: 'POST', token: alice })).status, 200);
  await server.request(`/api/v1/jobs/${long.id}/cancel`, { method: 'POST', token: alice });
  assert.equal((await waitForJob(server.request, long.id, finished, 120_000, alice)).state, 'cancelled');

  const listed = (await (await server.request('/api/v1/jobs?state=cancelled&type=test-steps', { token: alice })).json()) as { jobs: { id: string }[] };
  assert.deepEqual(listed.jobs.map((listedJob) => listedJob.id), [long.id]);
  const metrics = await (await server.request('/metrics')).text();
  assert.match(metrics, /^moda_jobs\{type="test-steps",state="succeeded"\} 1$/m);
});
