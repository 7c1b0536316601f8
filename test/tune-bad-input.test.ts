// Bad input to `tune` jobs, through the HTTP API: each gets a stable code (refused at creation when
// no data is needed to tell, else the job fails with it), and nothing is ever committed.
// (tune-cancel-private.test.ts: cancel mid-epoch, private datasets.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestServer } from './helpers/moda-server.js';
import { modelExists as exists, startTwoUserServer, tuneFails } from './helpers/tune-jobs.js';
import { commitFiles, createDataset } from './helpers/dataset-repo.js';
import { toCsv, topicTexts } from './helpers/tune-data.js';

let server: TestServer;
let alice: string;
let bob: string;

before(async () => {
  ({ server, alice, bob } = await startTwoUserServer(3));
  // One dataset whose columns hold each kind of bad data, so one preparation serves every case.
  const rows = topicTexts(3334, 1, 3)
    .slice(0, 10_000)
    .map((row, index) => ({ text: row.text, label: row.label, constant: 'same', id: `id-${index}`, blank: ' ' }));
  await createDataset(server, 'topics', { token: alice });
  await commitFiles(server, 'alice/topics', { 'train.csv': toCsv(rows, ['text', 'label', 'constant', 'id', 'blank']) }, alice);
});

after(async () => {
  await server?.stop();
});

async function post(body: unknown, token: string): Promise<Response> {
  return server.request('/api/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), token });
}

void test('method, hyperparameters and params are checked when the job is created', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ method: 'no-such', dataset: 'alice/topics', output_repo: 'alice/m' }, 'TUNE_METHOD_UNKNOWN'],
    [{ method: 'fasttext', dataset: 'alice/topics', output_repo: 'alice/m', hyperparameters: { epochs: 0 } }, 'TUNE_HYPERPARAMETERS_INVALID'],
    [{ method: 'fasttext', dataset: 'alice/topics', output_repo: 'alice/m', hyperparameters: { learning_rate: 50 } }, 'TUNE_HYPERPARAMETERS_INVALID'],
    [{ method: 'fasttext', dataset: 'alice/topics', output_repo: 'alice/m', hyperparameters: { buckets: 0 } }, 'TUNE_HYPERPARAMETERS_INVALID'],
    [{ method: 'fasttext', dataset: 'alice/topics', output_repo: 'alice/m', hyperparameters: { epochs: 'many' } }, 'TUNE_HYPERPARAMETERS_INVALID'],
    [{ method: 'fasttext', dataset: 'alice/topics', output_repo: 'alice/m', hyperparameters: { momentum: 0.9 } }, 'TUNE_HYPERPARAMETERS_INVALID'],
    [{ method: 'fasttext', dataset: 'alice/topics', output_repo: 'alice/m', base_model: 'moda/anything' }, 'TUNE_BASE_MODEL_INVALID'],
    [{ method: 'fasttext', dataset: 'alice/topics' }, 'JOB_PARAMS_INVALID'],
    [{ method: 'fasttext', dataset: 'no-slash', output_repo: 'alice/m' }, 'JOB_PARAMS_INVALID'],
    [{ method: 'fasttext', dataset: 'alice/topics', output_repo: 'alice/m', columns: { txt: 'a' } }, 'JOB_PARAMS_INVALID'],
  ];
  for (const [params, code] of cases) {
    const response = await post({ type: 'tune', params }, alice);
    assert.equal(response.status, 400, JSON.stringify(params));
    assert.equal(response.headers.get('x-error-code'), code, `${JSON.stringify(params)}: ${await response.text()}`);
  }
  // The schema of the method comes with the error, for forms and clients.
  const response = await post({ type: 'tune', params: { method: 'fasttext', dataset: 'alice/topics', output_repo: 'alice/m', hyperparameters: { epochs: 0 } } }, alice);
  assert.match(await response.text(), /epochs/);
});

void test('a missing column, one class, 10,000 classes and empty texts fail with their codes and commit nothing', async () => {
  const [column, label, oneClass, ids, blank] = await Promise.all([
    tuneFails(server, { method: 'fasttext', dataset: 'alice/topics', output_repo: 'alice/no-column', columns: { text: 'body' } }, alice),
    tuneFails(server, { method: 'fasttext', dataset: 'alice/topics', output_repo: 'alice/no-label', columns: { label: 'topic' } }, alice),
    tuneFails(server, { method: 'fasttext', dataset: 'alice/topics', output_repo: 'alice/one', columns: { label: 'constant' } }, alice),
    tuneFails(server, { method: 'fasttext', dataset: 'alice/topics', output_repo: 'alice/ids-model', columns: { label: 'id' } }, alice),
    tuneFails(server, { method: 'fasttext', dataset: 'alice/topics', output_repo: 'alice/blank-model', columns: { text: 'blank' } }, alice),
  ]);
  assert.equal(column.error?.code, 'TUNE_COLUMN_NOT_FOUND', JSON.stringify(column.error));
  assert.match(column.error?.message ?? '', /body/);
  assert.equal(label.error?.code, 'TUNE_COLUMN_NOT_FOUND', JSON.stringify(label.error));
  assert.equal(oneClass.error?.code, 'TUNE_ONE_CLASS');
  assert.equal(ids.error?.code, 'TUNE_TOO_MANY_CLASSES');
  assert.match(ids.error?.message ?? '', /10000 classes/);
  assert.equal(blank.error?.code, 'TUNE_EMPTY_TEXTS');
  for (const repo of ['alice/no-column', 'alice/no-label', 'alice/one', 'alice/ids-model', 'alice/blank-model']) assert.equal(await exists(server, repo, alice), false, repo);
});

void test('an output repo the caller cannot write fails before training with AUTH_FORBIDDEN', async () => {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'existing', type: 'model' }), token: alice });
  assert.equal(created.status, 200);
  const [intoExisting, intoNamespace] = await Promise.all([
    tuneFails(server, { method: 'fasttext', dataset: 'alice/topics', output_repo: 'alice/existing' }, bob),
    tuneFails(server, { method: 'fasttext', dataset: 'alice/topics', output_repo: 'alice/bobs-model' }, bob),
  ]);
  assert.equal(intoExisting.error?.code, 'AUTH_FORBIDDEN');
  assert.equal(intoNamespace.error?.code, 'AUTH_FORBIDDEN');
  assert.equal(await exists(server, 'alice/bobs-model', alice), false);
  const commits = (await (await server.request('/api/models/alice/existing/commits/main', { token: alice })).json()) as unknown[];
  assert.equal(commits.length, 1);
});
