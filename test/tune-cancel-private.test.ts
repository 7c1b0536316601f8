// `tune` jobs and privacy, and cancel: a private dataset gives a private model and a caller who
// cannot read it gets not-found; a cancel mid-epoch leaves a clean cancelled job, no repo and no
// job process (the training worker thread lives in it).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';
import { commitFiles, createDataset } from './helpers/dataset-repo.js';
import { createJob, finished, waitForJob, type JobJson } from './helpers/jobs.js';
import { toCsv, topicTexts } from './helpers/tune-data.js';

let server: TestServer;
let alice: string;
let bob: string;

before(async () => {
  server = await startTestServer({ jobConcurrency: 2 });
  alice = await createUserWithToken(server, 'alice');
  bob = await createUserWithToken(server, 'bob');
  await createDataset(server, 'secret', { private: true, token: alice });
  await commitFiles(server, 'alice/secret', { 'train.csv': toCsv(topicTexts(30, 5, 2), ['text', 'label']) }, alice);
  await createDataset(server, 'big', { token: alice });
  await commitFiles(server, 'alice/big', { 'train.csv': toCsv(topicTexts(3000, 6, 3), ['text', 'label']) }, alice);
});

after(async () => {
  await server?.stop();
});

async function failed(params: Record<string, unknown>, token = alice): Promise<JobJson> {
  const created = await createJob(server.request, 'tune', params, token);
  const job = await waitForJob(server.request, created.id, finished, 180_000, token);
  assert.equal(job.state, 'failed', JSON.stringify(job));
  return job;
}

async function modelExists(repo: string): Promise<boolean> {
  return (await server.request(`/api/models/${repo}`, { token: alice })).status === 200;
}

void test('a private dataset gives a private model; a caller who cannot read it gets not-found', async () => {
  const hidden = await failed({ method: 'fasttext', dataset: 'alice/secret', output_repo: 'bob/stolen' }, bob);
  assert.equal(hidden.error?.code, 'HUB_REPO_NOT_FOUND');
  const created = await createJob(server.request, 'tune', { method: 'fasttext', dataset: 'alice/secret', output_repo: 'alice/secret-model', hyperparameters: { epochs: 3 } }, alice);
  const job = await waitForJob(server.request, created.id, finished, 180_000, alice);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  assert.equal((job.result as { private: boolean }).private, true);
  assert.equal((await server.request('/api/models/alice/secret-model', { token: bob })).status, 404);
  const info = (await (await server.request('/api/models/alice/secret-model', { token: alice })).json()) as { private: boolean };
  assert.equal(info.private, true);
});

void test('a job cancelled mid-epoch ends cancelled within a second, its process gone, nothing committed', async () => {
  const created = await createJob(server.request, 'tune', { method: 'fasttext', dataset: 'alice/big', output_repo: 'alice/cancelled', hyperparameters: { epochs: 200, dim: 100 } }, alice);
  await waitForJob(server.request, created.id, (job) => /^epoch /.test(job.progress.message ?? '') || finished(job), 180_000, alice);
  const database = new SQLite(join(server.home, 'moda.sqlite'), { readonly: true });
  const pid = (database.prepare('select pid from jobs where id = ?').get(created.id) as { pid: number | null }).pid;
  database.close();
  assert.ok(pid, 'the running job records its process');
  const asked = Date.now();
  const response = await server.request(`/api/v1/jobs/${created.id}/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', token: alice });
  assert.equal(response.status, 200);
  const job = await waitForJob(server.request, created.id, finished, 10_000, alice);
  const took = Date.now() - asked;
  assert.equal(job.state, 'cancelled', JSON.stringify(job));
  assert.equal(job.error?.code, 'JOB_CANCELLED');
  assert.ok(took < 2000, `cancelled after ${took} ms`);
  let gone = false;
  for (const deadline = asked + 2000; !gone && Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
    try {
      process.kill(pid, 0);
    } catch {
      gone = true;
    }
  }
  assert.ok(gone, 'the job process (and its training worker) is gone within 2 s');
  assert.equal(await modelExists('alice/cancelled'), false);
});
