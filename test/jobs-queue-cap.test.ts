// The per-user cap on queued jobs (MODA_JOBS_MAX_QUEUED_PER_USER) through the HTTP API: past it a
// user's new job is refused with 429 JOB_QUEUE_FULL and Retry-After, other users and site admins
// are not held up, and a cancelled queued job frees its place. A retry puts a job back in the queue,
// so it counts as a new job does, and retries at once pass the cap by none.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';
import { createJob, finished, getJob, TEST_JOB_MODULE, waitForJob, type JobJson } from './helpers/jobs.js';

let server: TestServer;
let alice: string;
let bob: string;
const created: JobJson[] = [];

function post(path: string, body: unknown, token: string): Promise<Response> {
  return server.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), token });
}

/** A job that runs for a minute unless cancelled: it keeps the one runner busy so later ones stay queued. */
async function longJob(token: string): Promise<JobJson> {
  const job = await createJob(server.request, 'test-steps', { steps: 1, stepMs: 60_000 }, token);
  created.push(job);
  return job;
}

async function listJobs(token: string): Promise<JobJson[]> {
  const response = await server.request('/api/v1/jobs', { token });
  assert.equal(response.status, 200);
  return ((await response.json()) as { jobs: JobJson[] }).jobs;
}

before(async () => {
  server = await startTestServer({ jobModules: [TEST_JOB_MODULE], jobConcurrency: 1, jobsMaxQueuedPerUser: 2 });
  alice = await createUserWithToken(server, 'alice');
  bob = await createUserWithToken(server, 'bob');
});

after(async () => {
  // The admin sees every job: stop them all before the server stops.
  for (const job of created) await post(`/api/v1/jobs/${job.id}/cancel`, {}, ADMIN_TOKEN).catch(() => undefined);
  await server?.stop();
});

void test('a user past the queued-jobs cap gets 429 JOB_QUEUE_FULL with Retry-After; others and admins are not held up', async () => {
  const running = await longJob(alice);
  await waitForJob(server.request, running.id, (job) => job.state === 'running' || finished(job), 180_000, alice);
  // The running job does not count: two more may wait.
  const first = await longJob(alice);
  await longJob(alice);
  const refused = await post('/api/v1/jobs', { type: 'test-steps', params: { steps: 1, stepMs: 0 } }, alice);
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get('x-error-code'), 'JOB_QUEUE_FULL');
  assert.equal(refused.headers.get('retry-after'), '30');
  const body = (await refused.json()) as { code: string; retryable: boolean; error: string };
  assert.equal(body.code, 'JOB_QUEUE_FULL');
  assert.equal(body.retryable, true);
  assert.match(body.error, /MODA_JOBS_MAX_QUEUED_PER_USER=2/);

  // Another user has a queue of their own; a site admin is not limited.
  await longJob(bob);
  for (let index = 0; index < 3; index++) created.push(await createJob(server.request, 'test-steps', { steps: 1, stepMs: 60_000 }));

  // Cancelling a queued job frees its place.
  const cancelled = await post(`/api/v1/jobs/${first.id}/cancel`, {}, alice);
  assert.equal(cancelled.status, 200, await cancelled.text());
  await longJob(alice);
  const again = await post('/api/v1/jobs', { type: 'test-steps', params: { steps: 1, stepMs: 0 } }, alice);
  assert.equal(again.status, 429);
});

void test('submissions at once at the cap pass it by none', async () => {
  // The one runner is still busy with the first test's job: these stay queued.
  const carol = await createUserWithToken(server, 'carol');
  const answers = await Promise.all(Array.from({ length: 8 }, () => post('/api/v1/jobs', { type: 'test-steps', params: { steps: 1, stepMs: 60_000 } }, carol)));
  const accepted: JobJson[] = [];
  for (const answer of answers) {
    if (answer.status === 429) assert.equal(answer.headers.get('x-error-code'), 'JOB_QUEUE_FULL');
    else {
      assert.ok(answer.ok, String(answer.status));
      accepted.push((await answer.json()) as JobJson);
    }
  }
  created.push(...accepted);
  assert.equal(accepted.length, 2);
});

void test('a retry past the cap gets 429 JOB_QUEUE_FULL and leaves the job as it was; retries at once pass the cap by none', async () => {
  // The one runner is still busy with the first test's job: retried jobs stay queued.
  const dave = await createUserWithToken(server, 'dave');
  const first = await longJob(dave);
  await longJob(dave);
  assert.equal((await post('/api/v1/jobs', { type: 'test-steps', params: { steps: 1, stepMs: 60_000 } }, dave)).status, 429);
  assert.equal((await post(`/api/v1/jobs/${first.id}/cancel`, {}, dave)).status, 200);
  await longJob(dave);
  // Two queued again: retrying the cancelled one would make three.
  const refused = await post(`/api/v1/jobs/${first.id}/retry`, {}, dave);
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get('x-error-code'), 'JOB_QUEUE_FULL');
  assert.equal(refused.headers.get('retry-after'), '30');
  assert.match(((await refused.json()) as { error: string }).error, /MODA_JOBS_MAX_QUEUED_PER_USER=2/);
  assert.equal((await getJob(server.request, first.id, dave)).state, 'cancelled');

  // All three cancelled, then retried at once: two get back in.
  const queued = (await listJobs(dave)).filter((job) => job.state === 'queued');
  for (const job of queued) assert.equal((await post(`/api/v1/jobs/${job.id}/cancel`, {}, dave)).status, 200);
  const cancelled = (await listJobs(dave)).filter((job) => job.state === 'cancelled');
  assert.equal(cancelled.length, 3);
  const answers = await Promise.all(cancelled.map((job) => post(`/api/v1/jobs/${job.id}/retry`, {}, dave)));
  assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 200, 429]);
  assert.equal((await listJobs(dave)).filter((job) => job.state === 'queued').length, 2);

  // A site admin's retry is not limited.
  const left = (await listJobs(dave)).find((job) => job.state === 'cancelled');
  assert.ok(left);
  const byAdmin = await post(`/api/v1/jobs/${left.id}/retry`, {}, ADMIN_TOKEN);
  assert.equal(byAdmin.status, 200, await byAdmin.text());
  assert.equal((await listJobs(dave)).filter((job) => job.state === 'queued').length, 3);
});

void test('bad input is still refused by its own code before the cap is looked at', async () => {
  const unknown = await post('/api/v1/jobs', { type: 'no-such-type', params: {} }, alice);
  assert.equal(unknown.status, 400);
  assert.equal(unknown.headers.get('x-error-code'), 'JOB_TYPE_UNKNOWN');
});
