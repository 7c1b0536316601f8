// The `dataset-prepare` job through the public HTTP API: a commit to a dataset's default branch
// starts one owned by the committer, which prepares that commit for the viewer in a job process;
// it can also be started by hand, and it sees only datasets its owner may read.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';
import { commitFiles, createDataset, viewer } from './helpers/dataset-repo.js';
import { createJob, finished, jobLog, waitForJob, type JobJson } from './helpers/jobs.js';

let server: TestServer;
let alice: string;
let bob: string;
let scratch: string;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'moda-prepare-'));
  server = await startTestServer({ jobConcurrency: 2 });
  alice = await createUserWithToken(server, 'alice');
  bob = await createUserWithToken(server, 'bob');
});

after(async () => {
  await server?.stop();
  await rm(scratch, { recursive: true, force: true });
});

async function jobsOf(token: string, type: string): Promise<JobJson[]> {
  const response = await server.request(`/api/v1/jobs?type=${type}`, { token });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { jobs?: JobJson[] } | JobJson[];
  return Array.isArray(body) ? body : (body.jobs ?? []);
}

async function waitForPrepareJob(token: string, commit: string): Promise<JobJson> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const job = (await jobsOf(token, 'dataset-prepare')).find((candidate) => (candidate.params as { revision?: string }).revision === commit);
    if (job) return waitForJob(server.request, job.id, finished, 120_000, token);
    assert.ok(Date.now() < deadline, `no dataset-prepare job for ${commit}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

void test('a commit to a private dataset starts a prepare job owned by the committer that prepares that commit', async () => {
  await createDataset(server, 'reviews', { private: true, token: alice });
  const commit = await commitFiles(server, 'alice/reviews', { 'train.csv': 'text,label\ngood,1\nbad,0\nfine,1\n', 'test.csv': 'text,label\nok,1\n' }, alice);
  const job = await waitForPrepareJob(alice, commit);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  assert.equal(job.owner, 'alice');
  const result = job.result as { commit: string; splits: { split: string; rows: number }[] };
  assert.equal(result.commit, commit);
  assert.deepEqual(result.splits.map((split) => [split.split, split.rows]).sort(), [['test', 1], ['train', 3]]);
  const lines = await jobLog(server.request, job.id, alice);
  assert.ok(lines.some((line) => line.includes('train: 3 rows')), lines.join(' | '));
  // The commit's cache folder exists before any viewer request, and the viewer answers from it.
  assert.ok((await readdir(join(server.home, 'datasets-cache', commit.slice(0, 2), commit))).includes('manifest.json'));
  const rows = await viewer<{ num_rows_total: number }>(server, `rows?dataset=alice/reviews&config=default&split=train&offset=0&length=10&revision=${commit}`, alice);
  assert.equal(rows.status, 200, JSON.stringify(rows.body));
  assert.equal(rows.body.num_rows_total, 3);
  // Bob sees neither the job nor the dataset.
  assert.ok(!(await jobsOf(bob, 'dataset-prepare')).some((other) => other.id === job.id));
  assert.equal((await server.request(`/api/v1/jobs/${job.id}`, { token: bob })).status, 404);
});

void test("a prepare job started by hand acts with its owner's rights: another user's private dataset is not found", async () => {
  const created = await createJob(server.request, 'dataset-prepare', { dataset: 'alice/reviews' }, bob);
  const job = await waitForJob(server.request, created.id, finished, 60_000, bob);
  assert.equal(job.state, 'failed');
  assert.equal(job.error?.code, 'HUB_REPO_NOT_FOUND');
  const mine = await createJob(server.request, 'dataset-prepare', { dataset: 'alice/reviews', revision: 'main' }, alice);
  assert.equal((await waitForJob(server.request, mine.id, finished, 60_000, alice)).state, 'succeeded');
});

void test('bad dataset-prepare params are refused with a stable code', async () => {
  for (const params of [{}, { dataset: 'no-slash' }, { dataset: 'alice/reviews', extra: 1 }, { dataset: 'alice/reviews', revision: '' }]) {
    const response = await server.request('/api/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'dataset-prepare', params }), token: alice });
    assert.equal(response.status, 400, JSON.stringify(params));
    assert.ok(response.headers.get('x-error-code'), JSON.stringify(params));
  }
});

void test('a commit to a model repo starts no prepare job', async () => {
  const before = (await jobsOf(alice, 'dataset-prepare')).length;
  const response = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'm', type: 'model' }), token: alice });
  assert.equal(response.status, 200);
  const commit = await server.request('/api/models/alice/m/commit/main', {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: [JSON.stringify({ key: 'header', value: { summary: 'x' } }), JSON.stringify({ key: 'file', value: { path: 'a.txt', content: Buffer.from('a').toString('base64'), encoding: 'base64' } })].join('\n'),
    token: alice,
  });
  assert.equal(commit.status, 200, await commit.text());
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal((await jobsOf(alice, 'dataset-prepare')).length, before);
});
