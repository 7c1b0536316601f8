// Jobs through the public HTTP API on a real server: a job runs in its own process with progress,
// logs and a result, acts with its owner's rights only, can be followed (SSE and NDJSON), cancelled
// within a second without leaving anything half-written, and retried; bad input gets stable codes.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';
import { createJob, finished, getJob, jobLog, TEST_JOB_MODULE, waitForJob, type JobJson } from './helpers/jobs.js';

let server: TestServer;
let alice: string;
let bob: string;
let aliceRead: string;

async function post(path: string, body: unknown, token?: string | null): Promise<Response> {
  return server.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), token });
}

async function errorCode(response: Response): Promise<string | null> {
  return response.headers.get('x-error-code') ?? ((await response.json()) as { code?: string }).code ?? null;
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
  bob = await createUserWithToken(server, 'bob');
  aliceRead = await createUserWithToken(server, 'alice', 'read').catch(async () => {
    const response = await post('/api/tokens', { name: 'read', role: 'read' }, alice);
    return ((await response.json()) as { token: string }).token;
  });
  await createRepo(alice, 'steps');
});

after(() => server?.stop());

void test('a job runs in its own process with progress, log lines and a result, and commits as its owner', async () => {
  const created = await createJob(server.request, 'test-steps', { steps: 3, stepMs: 20, repo: 'alice/steps' }, alice);
  assert.equal(created.state, 'queued');
  assert.equal(created.owner, 'alice');
  const job = await waitForJob(server.request, created.id, finished, 60_000, alice);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  assert.equal(job.progress.fraction, 1);
  assert.equal(job.attempts, 1);
  assert.ok(job.started_at && job.finished_at);
  const commit = job.result?.commit;
  assert.equal(typeof commit, 'string');
  assert.equal(await headOf('alice/steps'), commit);
  const files = await server.request('/api/models/alice/steps/tree/main', { token: alice });
  assert.deepEqual(((await files.json()) as { path: string }[]).map((entry) => entry.path).filter((path) => path.startsWith('step-')).sort(), ['step-1.txt', 'step-2.txt', 'step-3.txt']);
  const lines = await jobLog(server.request, job.id, alice);
  for (const line of ['step 1', 'step 2', 'step 3', 'succeeded']) assert.ok(lines.includes(line), `log has "${line}": ${lines.join(' | ')}`);
  // Its temp dir and its token are gone.
  assert.equal(existsSync(join(server.home, 'jobs', 'tmp', job.id)), false);
  const tokens = (await (await server.request('/api/tokens', { token: alice })).json()) as { name: string }[];
  assert.ok(!tokens.some((token) => token.name.startsWith('job ')), JSON.stringify(tokens));
});

void test("a job writes only what its owner's token may: bob's job cannot commit to alice's repo", async () => {
  const before = await headOf('alice/steps');
  const created = await createJob(server.request, 'test-steps', { steps: 1, stepMs: 0, repo: 'alice/steps' }, bob);
  const job = await waitForJob(server.request, created.id, finished, 60_000, bob);
  assert.equal(job.state, 'failed');
  assert.match(job.error?.code ?? '', /^(AUTH_FORBIDDEN|HUB_REPO_NOT_FOUND)$/);
  assert.equal(await headOf('alice/steps'), before);
});

void test('users see only their own jobs (another user\'s id answers 404), site admins see all', async () => {
  const job = await createJob(server.request, 'test-steps', { steps: 1, stepMs: 0 }, alice);
  await waitForJob(server.request, job.id, finished, 60_000, alice);
  for (const [method, path] of [['GET', `/api/v1/jobs/${job.id}`], ['GET', `/api/v1/jobs/${job.id}/logs`], ['POST', `/api/v1/jobs/${job.id}/cancel`], ['POST', `/api/v1/jobs/${job.id}/retry`]] as const) {
    const response = await server.request(path, { method, token: bob });
    assert.equal(response.status, 404, `${method} ${path}`);
    assert.equal(await errorCode(response), 'JOB_NOT_FOUND');
  }
  const bobs = (await (await server.request('/api/v1/jobs', { token: bob })).json()) as { jobs: JobJson[] };
  assert.ok(bobs.jobs.every((listed) => listed.owner === 'bob'));
  const others = await server.request('/api/v1/jobs?owner=alice', { token: bob });
  assert.equal(others.status, 403);
  const all = (await (await server.request('/api/v1/jobs?type=test-steps&state=succeeded')).json()) as { jobs: JobJson[] };
  assert.ok(all.jobs.some((listed) => listed.id === job.id));
  assert.ok(all.jobs.every((listed) => listed.type === 'test-steps' && listed.state === 'succeeded'));
  assert.equal((await getJob(server.request, job.id)).owner, 'alice');
});

void test('bad input: unknown type, params failing the schema, cancel of a finished job, retry of a running job, no token, read-only token', async () => {
  const unknown = await post('/api/v1/jobs', { type: 'no-such-type', params: {} }, alice);
  assert.equal(unknown.status, 400);
  assert.equal(await errorCode(unknown), 'JOB_TYPE_UNKNOWN');
  const badParams = await post('/api/v1/jobs', { type: 'test-steps', params: { steps: 'many', stepMs: 1 } }, alice);
  assert.equal(badParams.status, 400);
  const badBody = (await badParams.json()) as { code?: string; error?: string; message?: string };
  assert.equal(badParams.headers.get('x-error-code') ?? badBody.code, 'JOB_PARAMS_INVALID');
  const extra = await post('/api/v1/jobs', { type: 'pull', params: { source: 'hf:a/b', surprise: 1 } }, alice);
  assert.equal(await errorCode(extra), 'JOB_PARAMS_INVALID');
  const noType = await post('/api/v1/jobs', { params: {} }, alice);
  assert.equal(noType.status, 400);
  const notObject = await post('/api/v1/jobs', [1, 2], alice);
  assert.equal(notObject.status, 400);

  const done = await createJob(server.request, 'test-steps', { steps: 1, stepMs: 0 }, alice);
  await waitForJob(server.request, done.id, finished, 60_000, alice);
  const cancelDone = await post(`/api/v1/jobs/${done.id}/cancel`, {}, alice);
  assert.equal(cancelDone.status, 409);
  assert.equal(await errorCode(cancelDone), 'JOB_ALREADY_FINISHED');
  const retryDone = await post(`/api/v1/jobs/${done.id}/retry`, {}, alice);
  assert.equal(await errorCode(retryDone), 'JOB_NOT_RETRYABLE');

  const long = await createJob(server.request, 'test-steps', { steps: 200, stepMs: 50 }, alice);
  await waitForJob(server.request, long.id, (job) => job.state === 'running', 60_000, alice);
  const retryRunning = await post(`/api/v1/jobs/${long.id}/retry`, {}, alice);
  assert.equal(retryRunning.status, 409);
  assert.equal(await errorCode(retryRunning), 'JOB_NOT_RETRYABLE');
  assert.equal((await post(`/api/v1/jobs/${long.id}/cancel`, {}, alice)).status, 200);

  assert.equal((await server.request('/api/v1/jobs', { token: null })).status, 401);
  assert.equal((await post('/api/v1/jobs', { type: 'test-steps', params: { steps: 1, stepMs: 0 } }, null)).status, 401);
  const readOnly = await post('/api/v1/jobs', { type: 'test-steps', params: { steps: 1, stepMs: 0 } }, aliceRead);
  assert.equal(readOnly.status, 403);
  const adminOnly = await post('/api/v1/jobs', { type: 'catalog-import', params: {} }, alice);
  assert.equal(adminOnly.status, 403);
  assert.equal((await server.request('/api/v1/jobs?state=sleeping', { token: alice })).status, 400);
  assert.equal((await server.request('/api/v1/jobs?limit=0', { token: alice })).status, 400);
  const badId = await server.request('/api/v1/jobs/..%2F..%2Fetc', { token: alice });
  assert.equal(badId.status, 404);
});

void test('a cancelled job stops within a second and leaves no commit and no temp files', async () => {
  const before = await headOf('alice/steps');
  const created = await createJob(server.request, 'test-steps', { steps: 400, stepMs: 25, repo: 'alice/steps' }, alice);
  await waitForJob(server.request, created.id, (job) => (job.progress.fraction ?? 0) > 0, 60_000, alice);
  assert.ok(existsSync(join(server.home, 'jobs', 'tmp', created.id)), 'the job has its temp dir while it runs');
  const asked = Date.now();
  const response = await post(`/api/v1/jobs/${created.id}/cancel`, {}, alice);
  assert.equal(response.status, 200);
  const job = await waitForJob(server.request, created.id, finished, 5_000, alice);
  const took = Date.now() - asked;
  assert.equal(job.state, 'cancelled');
  assert.equal(job.error?.code, 'JOB_CANCELLED');
  // The process gets 750 ms to stop by itself, then is killed; the rest is polling and a loaded machine.
  assert.ok(took < 2000, `cancelled after ${took} ms`);
  assert.equal(await headOf('alice/steps'), before);
  assert.equal(existsSync(join(server.home, 'jobs', 'tmp', created.id)), false);
});

void test('a job that ignores its signal is killed within a second of the cancel', async () => {
  const created = await createJob(server.request, 'test-spin', {}, alice);
  await waitForJob(server.request, created.id, (job) => job.progress.message === 'spinning', 60_000, alice);
  const asked = Date.now();
  await post(`/api/v1/jobs/${created.id}/cancel`, {}, alice);
  const job = await waitForJob(server.request, created.id, finished, 5_000, alice);
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
  const job = await waitForJob(server.request, queued.id, finished, 60_000, alice);
  assert.equal(job.state, 'succeeded');
  assert.equal(job.attempts, 1);
});

void test('a retryable failure is retried automatically after its backoff, up to max_attempts', async () => {
  const created = await createJob(server.request, 'test-steps', { steps: 1, stepMs: 0, failUntilAttempt: 2 }, alice);
  const job = await waitForJob(server.request, created.id, finished, 60_000, alice);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  assert.equal(job.attempts, 2);
  const lines = await jobLog(server.request, job.id, alice);
  assert.ok(lines.some((line) => line.startsWith('failed: UPSTREAM_UNAVAILABLE')), lines.join(' | '));
  assert.ok(lines.some((line) => line.startsWith('retrying in')), lines.join(' | '));
  const exhausted = await createJob(server.request, 'test-steps', { steps: 1, stepMs: 0, failUntilAttempt: 5 }, alice);
  const failed = await waitForJob(server.request, exhausted.id, finished, 60_000, alice);
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
  assert.match(text, /^moda_jobs\{type="test-steps",state="cancelled"\} [1-9]\d*$/m);
  assert.match(text, /^moda_job_run_seconds_count\{type="test-steps",state="succeeded"\} [1-9]\d*$/m);
  assert.match(text, /^# TYPE moda_job_queue_depth gauge$/m);
  const types = (await (await server.request('/api/v1/job-types', { token: alice })).json()) as { types: { type: string }[] };
  assert.deepEqual(types.types.map((type) => type.type).sort(), ['catalog-import', 'pull', 'test-spin', 'test-steps']);
});
