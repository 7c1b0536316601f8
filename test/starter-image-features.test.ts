// The starter image backbone moda/image-features-mobilenetv2 through the public API: imported by a
// catalog-import job, served by the pipeline route as `image-feature-extraction`, one 1792-d vector
// per image, a batch equal to its images one by one, and nearby vectors for similar images.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createJob, finished, waitForJob } from './helpers/jobs.js';
import { startTestServer, type TestServer } from './helpers/moda-server.js';
import { noisyImage } from './fixtures/colour-images.js';

let server: TestServer;
const REPO = 'moda/image-features-mobilenetv2';

async function embed(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await server.request(`/api/v1/models/${REPO}/pipeline`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const cosine = (a: number[], b: number[]) => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((value, index) => {
    dot += value * b[index]!;
    na += value * value;
    nb += b[index]! * b[index]!;
  });
  return dot / Math.sqrt(na * nb);
};

before(async () => {
  server = await startTestServer();
  const job = await createJob(server.request, 'catalog-import', { only: ['image-features-mobilenetv2'] });
  const done = await waitForJob(server.request, job.id, finished);
  assert.equal(done.state, 'succeeded', JSON.stringify(done.error));
});

after(() => server.stop());

void test('the backbone repo has its card and declares image-feature-extraction', async () => {
  const info = (await (await server.request(`/api/models/${REPO}`)).json()) as { pipeline_tag?: string; cardData?: { license?: string } };
  assert.equal(info.pipeline_tag, 'image-feature-extraction');
  assert.equal(info.cardData?.license, 'mit');
});

void test('one 1792-d embedding per image; a batch equals its images one by one; normalize gives unit length', async () => {
  const red = (await noisyImage([220, 30, 30], 1)).toString('base64');
  const red2 = (await noisyImage([210, 40, 35], 2)).toString('base64');
  const blue = (await noisyImage([30, 40, 220], 3)).toString('base64');
  const single = await embed({ input: red });
  assert.equal(single.status, 200, JSON.stringify(single.json));
  assert.equal(single.json.task, 'image-feature-extraction');
  const vector = (single.json.output as { embedding: number[] }).embedding;
  assert.equal(vector.length, 1792);
  assert.ok(vector.every((value) => value >= 0 && Number.isFinite(value)), 'ReLU6-pooled features are non-negative');
  const batch = await embed({ inputs: [red, red2, blue] });
  const vectors = (batch.json.outputs as { embedding: number[] }[]).map((output) => output.embedding);
  assert.equal(vectors.length, 3);
  assert.ok(vectors[0]!.every((value, index) => Math.abs(value - vector[index]!) < 1e-4), 'batched and single runs agree');
  assert.ok(cosine(vectors[0]!, vectors[1]!) > cosine(vectors[0]!, vectors[2]!), 'two red images are closer than red and blue');
  const unit = ((await embed({ input: red, parameters: { normalize: true } })).json.output as { embedding: number[] }).embedding;
  assert.ok(Math.abs(Math.hypot(...unit) - 1) < 1e-4);
});

void test('an image that does not decode is refused with its code', async () => {
  const bad = await embed({ input: Buffer.from('not an image at all').toString('base64') });
  assert.equal(bad.status, 400, JSON.stringify(bad.json));
  assert.equal(bad.json.code, 'IMAGE_DECODE_FAILED');
});
