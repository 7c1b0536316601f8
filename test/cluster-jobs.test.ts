// The BullMQ job queue in a real cluster: PostgreSQL, Redis, two `moda serve` replicas that do not
// run jobs (MODA_JOB_WORKER=0) behind nginx, and `moda worker` processes. A job enqueued through
// replica A runs once on the worker and its log is followed through replica B; a worker SIGKILLed
// mid-job is replaced and the job completes exactly once; jobs survive a Redis restart that lost
// Redis's data; a cancel through a replica stops the job on the worker.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCluster, type ModaCluster } from './helpers/cluster.js';
import { ClusterWorkers } from './helpers/cluster-worker.js';
import { createJob, finished, jobLog, TEST_JOB_MODULE, waitForJob, type JobJson } from './helpers/jobs.js';

let cluster: ModaCluster;
const workers = new ClusterWorkers(() => cluster);

before(async () => {
  cluster = await startCluster({ replicas: 2, env: { MODA_JOB_WORKER: '0', MODA_JOB_MODULES: TEST_JOB_MODULE } });
});

after(async () => {
  workers.killAll();
  await cluster?.stop();
});

const startWorker = () => workers.start();
const stopWorker = (worker: Awaited<ReturnType<typeof startWorker>>, signal: NodeJS.Signals) => workers.stop(worker, signal);

const via = (base: string) => (path: string, init?: RequestInit & { token?: string | null }) => cluster.request(path, { ...init, base });

void test('a job enqueued through replica A runs once on the worker, its log followed live through replica B', async () => {
  const worker = await startWorker();
  const a = via(cluster.replicas[0]!.url);
  const b = via(cluster.replicas[1]!.url);
  const job = await createJob(a, 'test-steps', { steps: 5, stepMs: 200 });
  const follow = await b(`/api/v1/jobs/${job.id}/logs?follow=1`);
  assert.equal(follow.status, 200);
  const text = await follow.text();
  const lines = text.split('\n').filter(Boolean).map((line) => JSON.stringify(JSON.parse(line)));
  for (let step = 1; step <= 5; step++) assert.ok(lines.some((line) => line.includes(`step ${step}`)), `the followed log has step ${step}: ${text}`);
  const done = await waitForJob(b, job.id, finished);
  assert.equal(done.state, 'succeeded');
  assert.equal(done.attempts, 1);
  const log = await jobLog(a, job.id);
  assert.equal(log.filter((line) => /^attempt \d+ of/.test(line)).length, 1, log.join('\n'));
  assert.equal(log.filter((line) => line === 'succeeded').length, 1);
  await stopWorker(worker, 'SIGTERM');
});

void test('a worker SIGKILLed mid-job: a new worker runs the job again and it completes exactly once', async () => {
  const first = await startWorker();
  const a = via(cluster.replicas[0]!.url);
  const job = await createJob(a, 'test-steps', { steps: 8, stepMs: 300 });
  await waitForJob(a, job.id, (row) => row.state === 'running' && (row.progress.fraction ?? 0) > 0);
  await stopWorker(first, 'SIGKILL');
  const second = await startWorker();
  const done = await waitForJob(a, job.id, finished, 90_000);
  assert.equal(done.state, 'succeeded', JSON.stringify(done));
  assert.equal(done.attempts, 2);
  const log = await jobLog(a, job.id);
  assert.equal(log.filter((line) => line === 'succeeded').length, 1, log.join('\n'));
  // Taken over either by the new worker's start (the dead pid on this host) or by BullMQ's stalled-job check.
  assert.ok(log.some((line) => /stopped answering|stopped while attempt 1 was running/.test(line)), log.join('\n'));
  assert.equal(log.filter((line) => /^attempt \d+ of/.test(line)).length, 2, log.join('\n'));
  await stopWorker(second, 'SIGTERM');
});

void test('queued jobs resume after Redis restarts without its data', async () => {
  const a = via(cluster.replicas[0]!.url);
  // No worker yet: the job waits in Redis, which then loses it.
  const before = await createJob(a, 'test-steps', { steps: 1, stepMs: 0 });
  await cluster.redis.kill(true);
  await cluster.redis.restart();
  const afterRestart = await createJob(a, 'test-steps', { steps: 1, stepMs: 0 });
  const worker = await startWorker();
  const done: JobJson[] = [];
  for (const job of [before, afterRestart]) done.push(await waitForJob(a, job.id, finished, 60_000));
  assert.deepEqual(done.map((job) => [job.state, job.attempts]), [['succeeded', 1], ['succeeded', 1]]);
  await stopWorker(worker, 'SIGTERM');
});

void test('a cancel through replica B stops the job running on the worker', async () => {
  const worker = await startWorker();
  const a = via(cluster.replicas[0]!.url);
  const b = via(cluster.replicas[1]!.url);
  // test-spin never looks at its signal: only the worker killing its process ends it.
  const job = await createJob(a, 'test-spin', {});
  await waitForJob(a, job.id, (row) => row.state === 'running' && row.progress.message === 'spinning');
  const cancelled = await b(`/api/v1/jobs/${job.id}/cancel`, { method: 'POST' });
  assert.equal(cancelled.status, 200, await cancelled.clone().text());
  const done = await waitForJob(b, job.id, finished, 10_000);
  assert.equal(done.state, 'cancelled');
  await stopWorker(worker, 'SIGTERM');
});
