// Cancelling jobs through the HTTP API: a running job stops within a second (one that ignores its
// signal is killed) leaving no commit and no temp files; a queued one never runs; a retry runs it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';
import { createJob, finished, TEST_JOB_MODULE, waitForJob, type JobJson } from './helpers/jobs.js';

let server: TestServer;
let alice: string;

async function post(path: string, body: unknown, token?: string | null): Promise<Response> {
  return server.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), token });
}

async function createRepo(token: string, name: string): Promise<void> {
  const response = await post('/api/repos/create', { name, type: 'model' }, token);
  assert.equal(response.status, 200, await response.text());
}

async function headOf(repo: string): Promise<string | undefined> {
  const response = await server.request(`/api/models/${repo}`);
  return ((await response.json()) as { sha?: string }).sha;
}

before(async () => {
  server = await startTestServer({ jobModules: [TEST_JOB_MODULE], jobConcurrency: 4 });
  alice = await createUserWithToken(server, 'alice');
  await createRepo(alice, 'steps');
});

after(() => server?.stop());

void test('a cancelled job stops within a second and leaves no commit and no temp files', async () => {
  const before = await headOf('alice/steps');
  const created = await createJob(server.request, 'test-steps', { steps: 400, stepMs: 25, repo: 'alice/steps' }, alice);
  await waitForJob(server.request, created.id, (job) => (job.progress.fraction ?? 0) > 0, 180_000, alice);
  assert.ok(existsSync(join(server.home, 'jobs', 'tmp', created.id)), 'the job has its temp dir while it runs');
  const asked = Date.now();
  const response = await post(`/api/v1/jobs/${created.id}/cancel`, {}, alice);
  assert.equal(response.status, 200);
  const job = await waitForJob(server.request, created.id, finished, 10_000, alice);
  const took = Date.now() - asked;
  assert.equal(job.state, 'cancelled');
  assert.equal(job.error?.code, 'JOB_CANCELLED');
  // The process gets 500 ms to stop by itself, then is killed; the rest is polling and a loaded machine.
  assert.ok(took < 2000, `cancelled after ${took} ms`);
  assert.equal(await headOf('alice/steps'), before);
  assert.equal(existsSync(join(server.home, 'jobs', 'tmp', created.id)), false);
});

void test('a job that ignores its signal is killed within a second of the cancel', async () => {
  const created = await createJob(server.request, 'test-spin', {}, alice);
  await waitForJob(server.request, created.id, (job) => job.progress.message === 'spinning', 180_000, alice);
  const asked = Date.now();
  await post(`/api/v1/jobs/${created.id}/cancel`, {}, alice);
  const job = await waitForJob(server.request, created.id, finished, 10_000, alice);
  assert.equal(job.state, 'cancelled');
  assert.ok(Date.now() - asked < 2000, `cancelled after ${Date.now() - asked} ms`);
  // The server stayed responsive while the job spun.
  assert.equal((await server.request('/healthz')).status, 200);
});

void test('a cancelled queued job never runs; a retry runs it again', async () => {
  // Fill the runner so the next job waits in the queue.
  const busy = await Promise.all([0, 1, 2, 3].map(() => createJob(server.request, 'test-steps', { steps: 100, stepMs: 20 }, alice)));
  const queued = await createJob(server.request, 'test-steps', { steps: 1, stepMs: 0 }, alice);
  const cancelled = (await (await post(`/api/v1/jobs/${queued.id}/cancel`, {}, alice)).json()) as JobJson;
  for (const job of busy) await post(`/api/v1/jobs/${job.id}/cancel`, {}, alice);
  assert.equal(cancelled.state, 'cancelled', JSON.stringify(cancelled));
  assert.equal(cancelled.attempts, 0);
  const retried = await post(`/api/v1/jobs/${queued.id}/retry`, {}, alice);
  assert.equal(retried.status, 200);
  const job = await waitForJob(server.request, queued.id, finished, 180_000, alice);
  assert.equal(job.state, 'succeeded');
  assert.equal(job.attempts, 1);
});
