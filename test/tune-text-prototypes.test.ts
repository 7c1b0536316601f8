// `method: "prototypes"` on a text backbone: any feature-extraction model is one (here a tiny
// transformers.js encoder built by the test). The tuned model serves text-classification with the
// backbone pinned; `image-head` refuses a text backbone with MODEL_CANNOT_EMBED.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { uploadFiles } from '@huggingface/hub';
import { tinyFeatureExtractor } from './fixtures/tiny-task-models.js';
import { commitFiles, createDataset } from './helpers/dataset-repo.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';
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
