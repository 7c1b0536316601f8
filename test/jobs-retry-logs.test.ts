// Retries by a job type's policy, logs followed as NDJSON and Server-Sent Events, and the job metrics.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';
import { createJob, finished, jobLog, TEST_JOB_MODULE, waitForJob, type JobJson } from './helpers/jobs.js';

let server: TestServer;
let alice: string;

before(async () => {
  server = await startTestServer({ jobModules: [TEST_JOB_MODULE], jobConcurrency: 4 });
  alice = await createUserWithToken(server, 'alice');
});

after(() => server?.stop());

void test('a retryable failure is retried automatically after its backoff, up to max_attempts', async () => {
  const created = await createJob(server.request, 'test-steps', { steps: 1, stepMs: 0, failUntilAttempt: 2 }, alice);
  const job = await waitForJob(server.request, created.id, finished, 180_000, alice);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  assert.equal(job.attempts, 2);
  const lines = await jobLog(server.request, job.id, alice);
  assert.ok(lines.some((line) => line.startsWith('failed: UPSTREAM_UNAVAILABLE')), lines.join(' | '));
  assert.ok(lines.some((line) => line.startsWith('retrying in')), lines.join(' | '));
  const exhausted = await createJob(server.request, 'test-steps', { steps: 1, stepMs: 0, failUntilAttempt: 5 }, alice);
  const failed = await waitForJob(server.request, exhausted.id, finished, 180_000, alice);
  assert.equal(failed.state, 'failed');
  assert.equal(failed.attempts, 2);
  assert.equal(failed.error?.code, 'UPSTREAM_UNAVAILABLE');
});

async function readAll(response: Response): Promise<string> {
  assert.equal(response.status, 200);
  return response.text();
}

void test('logs follow as NDJSON (?follow=1) and as Server-Sent Events until the job ends', async () => {
  const created = await createJob(server.request, 'test-steps', { steps: 5, stepMs: 30 }, alice);
  const [ndjson, sse] = await Promise.all([
    server.request(`/api/v1/jobs/${created.id}/logs?follow=1`, { token: alice }).then(readAll),
    server.request(`/api/v1/jobs/${created.id}/logs`, { token: alice, headers: { accept: 'text/event-stream' } }).then(readAll),
  ]);
  const events = ndjson.trim().split('\n').map((line) => JSON.parse(line) as { type: string; line?: string; job?: JobJson });
  assert.deepEqual(events.filter((event) => event.type === 'log' && event.line?.startsWith('step ')).map((event) => event.line), ['step 1', 'step 2', 'step 3', 'step 4', 'step 5']);
  const end = events.at(-1);
  assert.equal(end?.type, 'end');
  assert.equal(end?.job?.state, 'succeeded');
  assert.match(sse, /^event: log\nid: 1\ndata: \{/m);
  assert.match(sse, /event: end\ndata: \{[^\n]*"state":"succeeded"/);
  for (let step = 1; step <= 5; step++) assert.ok(sse.includes(`"line":"step ${step}"`));
});

void test('metrics count jobs by type and state, run times and the queue depth', async () => {
  const text = await (await server.request('/metrics')).text();
  assert.match(text, /^moda_jobs\{type="test-steps",state="succeeded"\} [1-9]\d*$/m);
  assert.match(text, /^moda_jobs\{type="test-steps",state="failed"\} [1-9]\d*$/m);
  assert.match(text, /^moda_job_run_seconds_count\{type="test-steps",state="succeeded"\} [1-9]\d*$/m);
  assert.match(text, /^# TYPE moda_job_queue_depth gauge$/m);
  const types = (await (await server.request('/api/v1/job-types', { token: alice })).json()) as { types: { type: string }[] };
  assert.deepEqual(types.types.map((type) => type.type).sort(), ['catalog-import', 'dataset-prepare', 'eval', 'pull', 'test-spin', 'test-steps', 'tune']);
});
