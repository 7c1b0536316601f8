// Jobs through the public HTTP API on a real server: a job runs in its own process with progress,
// logs and a result and acts with its owner's rights only; users see only their own jobs; bad input
// gets stable codes.
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
  const job = await waitForJob(server.request, created.id, finished, 180_000, alice);
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
  const job = await waitForJob(server.request, created.id, finished, 180_000, bob);
  assert.equal(job.state, 'failed');
  assert.match(job.error?.code ?? '', /^(AUTH_FORBIDDEN|HUB_REPO_NOT_FOUND)$/);
  assert.equal(await headOf('alice/steps'), before);
});

void test('users see only their own jobs (another user\'s id answers 404), site admins see all', async () => {
  const job = await createJob(server.request, 'test-steps', { steps: 1, stepMs: 0 }, alice);
  await waitForJob(server.request, job.id, finished, 180_000, alice);
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
  await waitForJob(server.request, done.id, finished, 180_000, alice);
  const cancelDone = await post(`/api/v1/jobs/${done.id}/cancel`, {}, alice);
  assert.equal(cancelDone.status, 409);
  assert.equal(await errorCode(cancelDone), 'JOB_ALREADY_FINISHED');
  const retryDone = await post(`/api/v1/jobs/${done.id}/retry`, {}, alice);
  assert.equal(await errorCode(retryDone), 'JOB_NOT_RETRYABLE');

  const long = await createJob(server.request, 'test-steps', { steps: 200, stepMs: 50 }, alice);
  await waitForJob(server.request, long.id, (job) => job.state === 'running', 180_000, alice);
  const retryRunning = await post(`/api/v1/jobs/${long.id}/retry`, {}, alice);
  assert.equal(retryRunning.status, 409);
  assert.equal(await errorCode(retryRunning), 'JOB_NOT_RETRYABLE');
  assert.equal((await post(`/api/v1/jobs/${long.id}/cancel`, {}, alice)).status, 200);

  assert.equal((await server.request('/api/v1/jobs', { token: null })).status, 401);
  assert.equal((await post('/api/v1/jobs', { type: 'test-steps', params: { steps: 1, stepMs: 0 } }, null)).status, 401);
  const readOnly = await post('/api/v1/jobs', { type: 'test-steps', params: { steps: 1, stepMs: 0 } }, aliceRead);
  assert.equal(readOnly.status, 403);
  // Basic credentials a browser cached are refused on a write from another site's page.
  const crossSite = await server.request('/api/v1/jobs', {
    method: 'POST',
    token: null,
    headers: { authorization: `Basic ${Buffer.from(`alice:${alice}`).toString('base64')}`, origin: 'http://127.0.0.1:9', 'content-type': 'text/plain' },
    body: JSON.stringify({ type: 'test-steps', params: { steps: 1, stepMs: 0 } }),
  });
  assert.equal(crossSite.status, 403);
  assert.equal(await errorCode(crossSite), 'CROSS_SITE_REQUEST_REFUSED');
  const crossSiteCancel = await server.request(`/api/v1/jobs/${long.id}/cancel`, { method: 'POST', token: null, headers: { authorization: `Basic ${Buffer.from(`alice:${alice}`).toString('base64')}`, origin: 'http://127.0.0.1:9' } });
  assert.equal(crossSiteCancel.status, 403);
  const adminOnly = await post('/api/v1/jobs', { type: 'catalog-import', params: {} }, alice);
  assert.equal(adminOnly.status, 403);
  assert.equal((await server.request('/api/v1/jobs?state=sleeping', { token: alice })).status, 400);
  assert.equal((await server.request('/api/v1/jobs?limit=0', { token: alice })).status, 400);
  const badId = await server.request('/api/v1/jobs/..%2F..%2Fetc', { token: alice });
  assert.equal(badId.status, 404);
});
