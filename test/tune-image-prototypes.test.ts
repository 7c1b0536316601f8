// `method: "prototypes"` end to end through the public API on the starter image backbone, and the
// bad inputs of both image methods: an image that does not decode, a base model that cannot embed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { uploadFiles } from '@huggingface/hub';
import { ADMIN_TOKEN, type TestServer } from './helpers/moda-server.js';
import { BACKBONE, classify, colourDataset, fileText, probes, startImageTuningServer, tune } from './helpers/tune-image.js';

let server: TestServer;

before(async () => {
  server = await startImageTuningServer();
});

after(() => server.stop());

void test('prototypes: class means of the embeddings, no training loop, served at once', async () => {
  const job = await tune(server, { method: 'prototypes', base_model: BACKBONE, dataset: 'admin/colours', output_repo: 'admin/colours-prototypes' });
  assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
  const configuration = JSON.parse(await fileText(server, 'admin/colours-prototypes', 'configuration.json')) as { pipeline: { type: string }; model: { dimensions: number }; backbone: { repo: string } };
  assert.equal(configuration.pipeline.type, 'embedding-prototypes');
  assert.equal(configuration.model.dimensions, 1792);
  assert.equal(configuration.backbone.repo, BACKBONE);
  const outputs = await classify(server, 'admin/colours-prototypes', await probes());
  assert.deepEqual(outputs.map((labels) => labels[0]?.label), ['red', 'green', 'blue']);
});

void test('an image that does not decode fails the job with TUNE_IMAGE_INVALID naming its row, and commits nothing', async () => {
  await colourDataset(server, 'colours-broken', { 'train/red/broken.png': new TextEncoder().encode('this is not a png') });
  const job = await tune(server, { method: 'image-head', base_model: BACKBONE, dataset: 'admin/colours-broken', output_repo: 'admin/never-written' });
  assert.equal(job.state, 'failed');
  assert.equal(job.error?.code, 'TUNE_IMAGE_INVALID');
  assert.match(job.error?.message ?? '', /^row \d+: /);
  assert.equal((await server.request('/api/models/admin/never-written')).status, 404);
});

void test('a base model that cannot give embeddings is refused with MODEL_CANNOT_EMBED before any data is read', async () => {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ocr-only', organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: 'admin/ocr-only', accessToken: ADMIN_TOKEN, hubUrl: server.url, files: [{ path: 'configuration.json', content: new Blob(['{"framework": "tesseract", "task": "ocr", "pipeline": {"type": "tesseract"}}']) }] });
  for (const method of ['image-head', 'prototypes']) {
    const job = await tune(server, { method, base_model: 'admin/ocr-only', dataset: 'admin/colours', output_repo: 'admin/never-written' });
    assert.equal(job.state, 'failed');
    assert.equal(job.error?.code, 'MODEL_CANNOT_EMBED', job.error?.message);
  }
});
