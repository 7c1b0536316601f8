// `tune` jobs and privacy, and cancel: a private dataset gives a private model and a caller who
// cannot read it gets not-found; a cancel mid-epoch leaves a clean cancelled job, no repo and no
// job process (the training worker thread lives in it).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestServer } from './helpers/moda-server.js';
import { modelExists as exists, startTwoUserServer } from './helpers/tune-jobs.js';
import { commitFiles, createDataset } from './helpers/dataset-repo.js';
import { createJob, finished, waitForJob } from './helpers/jobs.js';
import { alive, recordedJobPid, until } from './helpers/job-processes.js';
import { toCsv, topicTexts } from './helpers/tune-data.js';

let server: TestServer;
let alice: string;
let bob: string;

before(async () => {
  ({ server, alice, bob } = await startTwoUserServer(2));
  await createDataset(server, 'secret', { private: true, token: alice });
  await commitFiles(server, 'alice/secret', { 'train.csv': toCsv(topicTexts(30, 5, 2), ['text', 'label']) }, alice);
  await createDataset(server, 'big', { token: alice });
  await commitFiles(server, 'alice/big', { 'train.csv': toCsv(topicTexts(3000, 6, 3), ['text', 'label']) }, alice);
});

after(async () => {
  await server?.stop();
});

void test('a private dataset gives a private model; a caller who cannot read it gets not-found', async () => {
  // Refused when submitted: the job pins the dataset's commit then, as its submitter.
  const hidden = await server.request('/api/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'tune', params: { method: 'fasttext', dataset: 'alice/secret', output_repo: 'bob/stolen' } }), token: bob });
  assert.equal(hidden.status, 404);
  assert.equal(((await hidden.json()) as { code: string }).code, 'HUB_REPO_NOT_FOUND');
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
  const pid = recordedJobPid(server.home, created.id);
  assert.ok(pid, 'the running job records its process');
  const asked = Date.now();
  const response = await server.request(`/api/v1/jobs/${created.id}/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', token: alice });
  assert.equal(response.status, 200);
  const job = await waitForJob(server.request, created.id, finished, 10_000, alice);
  const took = Date.now() - asked;
  assert.equal(job.state, 'cancelled', JSON.stringify(job));
  assert.equal(job.error?.code, 'JOB_CANCELLED');
  assert.ok(took < 2000, `cancelled after ${took} ms`);
  // The job process (and its training worker) is gone within 2 s of the cancel.
  await until('the job process going', () => !alive(pid), asked + 2000 - Date.now());
  assert.equal(await exists(server, 'alice/cancelled', alice), false);
});
