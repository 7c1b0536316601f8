// Jobs whose BullMQ entry is lost (Redis FLUSHALL) while the worker running them is dead on another
// host (issue 16): the database row is the truth. Workers hold leases in the database; once the
// dead worker's lease runs out, a worker on another host (MODA_NODE_NAME) finds the running job that
// Redis no longer holds, re-queues it once (a condition on the dead runner) and re-adds it under
// its own id; it then completes exactly once. A job of a live worker is left alone through a flush,
// and a queued job lost in the flush is re-added by the sweep and runs once.
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { test } from 'node:test';
import { leasedWorkerCluster, type ClusterWorker } from './helpers/cluster-worker.js';
import { createJob, finished, jobLog, waitForJob } from './helpers/jobs.js';

const LEASE = '3s';
const { cluster, workers, startWorker, api } = leasedWorkerCluster(LEASE);

/** A `moda worker` that calls its host `node`: runner ids (and pid checks) are per host name. */
const stopWorker = (worker: ClusterWorker, signal: NodeJS.Signals) => workers.stop(worker, signal);

async function flushRedis(): Promise<void> {
  const redis = new Redis(cluster().redis.url);
  try {
    assert.equal(await redis.flushall(), 'OK');
  } finally {
    redis.disconnect();
  }
}


void test('a running job lost by Redis and by its dead worker on another host is re-run once by a live worker', async () => {
  const first = await startWorker('host-a');
  const job = await createJob(api, 'test-steps', { steps: 8, stepMs: 300 });
  await waitForJob(api, job.id, (row) => row.state === 'running' && (row.progress.fraction ?? 0) > 0);
  await stopWorker(first, 'SIGKILL');
  // Queued while no worker runs: the flush loses its BullMQ entry too.
  const queued = await createJob(api, 'test-steps', { steps: 1, stepMs: 0 });
  await flushRedis();
  // host-b cannot judge host-a's pid: only the lease (3 s) tells that host-a is gone.
  const second = await startWorker('host-b');
  const done = await waitForJob(api, job.id, finished, 90_000);
  assert.equal(done.state, 'succeeded', JSON.stringify(done));
  assert.equal(done.attempts, 2);
  const log = await jobLog(api, job.id);
  assert.equal(log.filter((line) => /lease ran out and Redis no longer holds the job; re-queued/.test(line)).length, 1, log.join('\n'));
  assert.equal(log.filter((line) => /^attempt \d+ of/.test(line)).length, 2, log.join('\n'));
  assert.equal(log.filter((line) => line === 'succeeded').length, 1, log.join('\n'));
  const alsoDone = await waitForJob(api, queued.id, finished, 30_000);
  assert.deepEqual([alsoDone.state, alsoDone.attempts], ['succeeded', 1]);
  await stopWorker(second, 'SIGTERM');
});

void test('a job of a live worker survives a FLUSHALL: it is not taken over and completes once', async () => {
  const worker = await startWorker('host-c');
  const job = await createJob(api, 'test-steps', { steps: 12, stepMs: 500 });
  await waitForJob(api, job.id, (row) => row.state === 'running' && (row.progress.fraction ?? 0) > 0);
  await flushRedis();
  // Longer than the lease: a wrong take-over would have happened by now.
  const done = await waitForJob(api, job.id, finished, 60_000);
  assert.deepEqual([done.state, done.attempts], ['succeeded', 1], JSON.stringify(done));
  const log = await jobLog(api, job.id);
  assert.equal(log.filter((line) => /^attempt \d+ of/.test(line)).length, 1, log.join('\n'));
  await stopWorker(worker, 'SIGTERM');
});
