// `method: "prototypes"` on a text backbone: any feature-extraction model is one (here a tiny
// transformers.js encoder built by the test). The tuned model serves text-classification with the
// backbone pinned; `image-head` refuses a text backbone with MODEL_CANNOT_EMBED; retuning into the
// same repo with another method leaves none of the previous method's files behind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { uploadFiles } from '@huggingface/hub';
import { tinyFeatureExtractor } from './fixtures/tiny-task-models.js';
import { commitFiles, createDataset } from './helpers/dataset-repo.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';
import { commit as hubCommit } from '@huggingface/hub';
import { fileText, tune } from './helpers/tune-image.js';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'tiny-embedder', organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: 'admin/tiny-embedder', accessToken: ADMIN_TOKEN, hubUrl: server.url, files: tinyFeatureExtractor().files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
  await createDataset(server, 'greetings');
  const rows = [['cat', 'animal'], ['dog', 'animal'], ['the cat', 'animal'], ['a dog', 'animal'], ['hello', 'greeting'], ['world', 'greeting'], ['hello world', 'greeting'], ['hello !', 'greeting']];
  await commitFiles(server, 'admin/greetings', { 'train.csv': `text,label\n${rows.map((row) => row.join(',')).join('\n')}\n` });
});

after(() => server.stop());

void test('prototypes on a text feature-extraction backbone serve text-classification', async () => {
  const job = await tune(server, { method: 'prototypes', base_model: 'admin/tiny-embedder', dataset: 'admin/greetings', output_repo: 'admin/greetings-prototypes', hyperparameters: { temperature: 0.1 } });
  assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
  const configuration = JSON.parse(await fileText(server, 'admin/greetings-prototypes', 'configuration.json')) as { task: string; backbone: { repo: string; commit: string }; model: { dimensions: number } };
  assert.equal(configuration.task, 'text-classification');
  assert.equal(configuration.backbone.repo, 'admin/tiny-embedder');
  assert.equal(configuration.model.dimensions, 4);
  const response = await server.request('/api/v1/models/admin/greetings-prototypes/pipeline', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: ['the dog', 'hello world !'] }) });
  const body = (await response.json()) as { task: string; outputs: { label: string; score: number }[][] };
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.equal(body.task, 'text-classification');
  assert.deepEqual(body.outputs.map((labels) => labels[0]?.label), ['animal', 'greeting']);
});

void test('image-head refuses a text backbone before reading the data', async () => {
  const job = await tune(server, { method: 'image-head', base_model: 'admin/tiny-embedder', dataset: 'admin/greetings', output_repo: 'admin/never-written' });
  assert.equal(job.state, 'failed');
  assert.equal(job.error?.code, 'MODEL_CANNOT_EMBED');
  assert.match(job.error?.message ?? '', /embeds texts/);
});

async function treeOf(repo: string): Promise<string[]> {
  const response = await server.request(`/api/models/${repo}/tree/main?recursive=true`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { type: string; path: string }[]).filter((entry) => entry.type === 'file').map((entry) => entry.path).sort();
}

async function commitCount(repo: string): Promise<number> {
  return ((await (await server.request(`/api/models/${repo}/commits/main`)).json()) as unknown[]).length;
}

void test('retuning into an existing repo with another method removes the previous method files in its one commit, keeping files it did not write', async () => {
  const repo = 'admin/greetings-retuned';
  const first = await tune(server, { method: 'prototypes', base_model: 'admin/tiny-embedder', dataset: 'admin/greetings', output_repo: repo });
  assert.equal(first.state, 'succeeded', JSON.stringify(first.error));
  assert.ok((await treeOf(repo)).includes('prototypes.bin'));
  // A file of the owner's own, which no tuning run wrote.
  await hubCommit({ repo: { type: 'model', name: repo }, accessToken: ADMIN_TOKEN, hubUrl: server.url, title: 'notes', operations: [{ operation: 'addOrUpdate', path: 'NOTES.md', content: new Blob(['kept\n']) }] });
  const commitsBefore = await commitCount(repo);

  const second = await tune(server, { method: 'fasttext', dataset: 'admin/greetings', output_repo: repo, hyperparameters: { epochs: 5 } });
  assert.equal(second.state, 'succeeded', JSON.stringify(second.error));
  const afterFastText = await treeOf(repo);
  for (const path of ['NOTES.md', 'README.md', 'configuration.json', 'metrics.json', 'model.bin', 'training_curve.png', 'training_params.json']) assert.ok(afterFastText.includes(path), `${path} in ${afterFastText.join(', ')}`);
  assert.ok(!afterFastText.includes('prototypes.bin'), afterFastText.join(', '));
  assert.equal(await commitCount(repo), commitsBefore + 1, 'one commit replaces the model');
  const configuration = JSON.parse(await fileText(server, repo, 'configuration.json')) as { pipeline: { type: string }; backbone?: unknown };
  assert.equal(configuration.pipeline.type, 'fasttext-text-classification');
  assert.equal(configuration.backbone, undefined, 'no backbone of the previous method lingers in the configuration');
  const served = await server.request(`/api/v1/models/${repo}/pipeline`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: ['hello world'] }) });
  assert.equal(served.status, 200, await served.text());

  // And back: the fastText weights go.
  const third = await tune(server, { method: 'prototypes', base_model: 'admin/tiny-embedder', dataset: 'admin/greetings', output_repo: repo });
  assert.equal(third.state, 'succeeded', JSON.stringify(third.error));
  const files = await treeOf(repo);
  assert.ok(files.includes('prototypes.bin') && files.includes('NOTES.md'), files.join(', '));
  assert.ok(!files.includes('model.bin'), files.join(', '));
});
