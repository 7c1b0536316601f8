// The image tuning methods end to end through the public API: a dozen generated images in an
// imagefolder dataset, `POST /api/v1/jobs {type: "tune", method: "image-head" | "prototypes"}` on the
// starter backbone, then the tuned model's pipeline route. The result repo pins the backbone's
// commit (a later, broken commit to the backbone does not touch it), and bad inputs fail the job
// with their codes: an image that does not decode, a base model that cannot embed, a class with
// nothing to embed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { uploadFiles } from '@huggingface/hub';
import { commitFiles, createDataset } from './helpers/dataset-repo.js';
import { createJob, finished, jobLog, waitForJob, type JobJson } from './helpers/jobs.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';
import { noisyImage } from './fixtures/colour-images.js';

let server: TestServer;
const BACKBONE = 'moda/image-features-mobilenetv2';
const COLOURS: Record<string, [number, number, number]> = { red: [220, 30, 30], green: [30, 200, 40], blue: [30, 40, 220] };

async function colourDataset(name: string, extra: Record<string, Uint8Array> = {}): Promise<string> {
  await createDataset(server, name);
  const files: Record<string, Uint8Array> = { ...extra };
  let seed = 1;
  for (const [label, rgb] of Object.entries(COLOURS)) {
    for (let index = 0; index < 4; index++) files[`train/${label}/${index}.png`] = await noisyImage(rgb, seed++);
  }
  return commitFiles(server, `admin/${name}`, files);
}

async function tune(params: Record<string, unknown>): Promise<JobJson> {
  const job = await createJob(server.request, 'tune', params);
  return waitForJob(server.request, job.id, finished, 300_000);
}

async function classify(repo: string, inputs: Buffer[]): Promise<{ label: string; score: number }[][]> {
  const response = await server.request(`/api/v1/models/${repo}/pipeline`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: inputs.map((input) => input.toString('base64')) }) });
  const body = (await response.json()) as { outputs: { label: string; score: number }[][]; task: string };
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.equal(body.task, 'image-classification');
  return body.outputs;
}

async function fileText(repo: string, path: string): Promise<string> {
  const response = await server.request(`/${repo}/resolve/main/${path}`);
  assert.equal(response.status, 200, `${repo}/${path}`);
  return response.text();
}

before(async () => {
  server = await startTestServer();
  const job = await createJob(server.request, 'catalog-import', { only: ['image-features-mobilenetv2'] });
  assert.equal((await waitForJob(server.request, job.id, finished)).state, 'succeeded');
  await colourDataset('colours');
});

after(() => server.stop());

const probes = () => Promise.all([noisyImage(COLOURS.red!, 101), noisyImage(COLOURS.green!, 102), noisyImage(COLOURS.blue!, 103)]);

void test('image-head: a tuned head on the frozen backbone, served at once, pinned to the backbone commit', async () => {
  const backboneCommit = ((await (await server.request(`/api/models/${BACKBONE}/revision/main`)).json()) as { sha: string }).sha;
  const job = await tune({ method: 'image-head', base_model: BACKBONE, dataset: 'admin/colours', output_repo: 'admin/colours-head', hyperparameters: { epochs: 40, learning_rate: 0.01 } });
  assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
  const result = job.result as { repo: string; commit: string; metrics: { accuracy: number } };
  assert.equal(result.repo, 'admin/colours-head');
  assert.equal(result.metrics.accuracy, 1);
  const log = (await jobLog(server.request, job.id)).join('\n');
  assert.match(log, /embedded 12 examples/);
  assert.match(log, /epoch/);
  const configuration = JSON.parse(await fileText('admin/colours-head', 'configuration.json')) as { pipeline: { type: string }; backbone: { repo: string; commit: string }; task: string };
  assert.deepEqual(configuration.backbone, { repo: BACKBONE, commit: backboneCommit });
  assert.equal(configuration.pipeline.type, 'embedding-head');
  // The backbone moves on (here: to a commit that cannot load); the tuned model keeps its own.
  await uploadFiles({ repo: BACKBONE, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: [{ path: 'configuration.json', content: new Blob(['{"framework": "tfjs", "task": "image-feature-extraction", "pipeline": {"type": "tfjs-image-embedding"}, "model": {}}']) }] });
  const outputs = await classify('admin/colours-head', await probes());
  assert.deepEqual(outputs.map((labels) => labels[0]?.label), ['red', 'green', 'blue']);
  assert.ok(outputs.every((labels) => labels.length === 3 && Math.abs(labels.reduce((sum, entry) => sum + entry.score, 0) - 1) < 1e-3));
  // Put the backbone back for the other tests.
  await uploadFiles({ repo: BACKBONE, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: [{ path: 'configuration.json', content: new Blob([await fileTextAt(BACKBONE, backboneCommit, 'configuration.json')]) }] });
});

async function fileTextAt(repo: string, revision: string, path: string): Promise<string> {
  return (await server.request(`/${repo}/resolve/${revision}/${path}`)).text();
}

void test('prototypes: class means of the embeddings, no training loop, served at once', async () => {
  const job = await tune({ method: 'prototypes', base_model: BACKBONE, dataset: 'admin/colours', output_repo: 'admin/colours-prototypes' });
  assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
  const configuration = JSON.parse(await fileText('admin/colours-prototypes', 'configuration.json')) as { pipeline: { type: string }; model: { dimensions: number } };
  assert.equal(configuration.pipeline.type, 'embedding-prototypes');
  assert.equal(configuration.model.dimensions, 1792);
  const outputs = await classify('admin/colours-prototypes', await probes());
  assert.deepEqual(outputs.map((labels) => labels[0]?.label), ['red', 'green', 'blue']);
});

void test('an image that does not decode fails the job with TUNE_IMAGE_INVALID and commits nothing', async () => {
  await colourDataset('colours-broken', { 'train/red/broken.png': new TextEncoder().encode('this is not a png') });
  const job = await tune({ method: 'image-head', base_model: BACKBONE, dataset: 'admin/colours-broken', output_repo: 'admin/never-written' });
  assert.equal(job.state, 'failed');
  assert.equal(job.error?.code, 'TUNE_IMAGE_INVALID');
  assert.equal((await server.request('/api/models/admin/never-written')).status, 404);
});

void test('a base model that cannot give embeddings is refused with MODEL_CANNOT_EMBED', async () => {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ocr-only', organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: 'admin/ocr-only', accessToken: ADMIN_TOKEN, hubUrl: server.url, files: [{ path: 'configuration.json', content: new Blob(['{"framework": "tesseract", "task": "ocr", "pipeline": {"type": "tesseract"}}']) }] });
  for (const method of ['image-head', 'prototypes']) {
    const job = await tune({ method, base_model: 'admin/ocr-only', dataset: 'admin/colours', output_repo: 'admin/never-written' });
    assert.equal(job.state, 'failed');
    assert.equal(job.error?.code, 'MODEL_CANNOT_EMBED', job.error?.message);
  }
});
