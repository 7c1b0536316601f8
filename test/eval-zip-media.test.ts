// An eval job on a dataset whose images are packed in a zip archive (ModelScope's `train.zip` with
// class sub-folders) scores exactly as on the same images unzipped; one image is deliberately
// filed under the wrong class, so the scores are not all ones. A bad archive fails the job with a
// stable code, never INTERNAL: a member that inflates past the size it declares, metadata naming a
// member the archive does not hold.
import assert from 'node:assert/strict';
import { uploadFiles } from '@huggingface/hub';
import { after, before, test } from 'node:test';
import { noisyImage } from './fixtures/colour-images.js';
import { tinyImageClassifier } from './fixtures/tiny-task-models.js';
import { commitFiles, createDataset } from './helpers/dataset-repo.js';
import { evaluate, metric, type EvalResult } from './helpers/eval-setup.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';
import { zipOf } from './helpers/zip-archive.js';

const COLOURS: Record<string, [number, number, number]> = { red: [220, 30, 30], green: [30, 200, 40], blue: [30, 40, 220] };
const MODEL = 'admin/tiny-colours';

let server: TestServer;
/** `<colour>/<n>.png` → the image; green/2.png is a red image. */
const images: Record<string, Buffer> = {};

before(async () => {
  // Two jobs at once: the two evaluations of each test run side by side (job processes take a while to start).
  server = await startTestServer({ jobConcurrency: 2 });
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'tiny-colours', organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: MODEL, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: tinyImageClassifier().files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
  let seed = 300;
  for (const [label, rgb] of Object.entries(COLOURS)) {
    for (let index = 0; index < 3; index++) images[`${label}/${index}.png`] = await noisyImage(label === 'green' && index === 2 ? COLOURS.red! : rgb, seed++);
  }
  await createDataset(server, 'colours-zip');
  // Stored and deflated members both.
  await commitFiles(server, 'admin/colours-zip', { 'train.zip': zipOf(Object.entries(images).map(([name, data], index) => ({ name, data, method: index % 2 === 0 ? 0 : 8 }))) });
  await createDataset(server, 'colours-unzipped');
  await commitFiles(server, 'admin/colours-unzipped', Object.fromEntries(Object.entries(images).map(([name, data]) => [`train/${name}`, data])));
});

after(() => server?.stop());

void test('an evaluation on the zipped dataset scores exactly as on the same images unzipped', async () => {
  const jobs = await Promise.all(['admin/colours-zip', 'admin/colours-unzipped'].map((dataset) => evaluate(server, { model: MODEL, dataset, split: 'train' }, ADMIN_TOKEN)));
  for (const job of jobs) assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
  const [zipped, unzipped] = jobs.map((job) => job.result as unknown as EvalResult) as [EvalResult, EvalResult];
  assert.deepEqual([zipped.samples, zipped.failed, zipped.failures], [9, 0, {}]);
  // The red image filed under green is the one miss.
  assert.ok(Math.abs(metric(zipped, 'accuracy')! - 8 / 9) < 1e-9, JSON.stringify(zipped.metrics));
  assert.deepEqual([unzipped.samples, unzipped.failed], [zipped.samples, zipped.failed]);
  // Every score but the run's speed.
  const scores = (result: EvalResult) => result.metrics.filter((entry) => entry.type !== 'throughput');
  assert.deepEqual(scores(unzipped).map((entry) => entry.type), scores(zipped).map((entry) => entry.type));
  for (const entry of scores(zipped)) assert.ok(Math.abs(metric(unzipped, entry.type)! - entry.value) < 1e-9, `${entry.type}: ${entry.value} vs ${metric(unzipped, entry.type)}`);
});

void test('a bad archive fails the evaluation with a stable code, not INTERNAL', async () => {
  const red = images['red/0.png']!;
  const green = images['green/0.png']!;
  // A member that inflates past its declared size.
  await createDataset(server, 'colours-bomb');
  await commitFiles(server, 'admin/colours-bomb', { 'train.zip': zipOf([{ name: 'red/0.png', data: red }, { name: 'green/0.png', data: green }, { name: 'blue/liar.png', data: Buffer.alloc(300_000, 9), declared: 100 }]) });
  // Metadata naming a member the archive does not hold.
  await createDataset(server, 'colours-missing');
  await commitFiles(server, 'admin/colours-missing', { 'train.zip': zipOf([{ name: 'a.png', data: red }, { name: 'b.png', data: green }, { name: 'metadata.csv', data: Buffer.from('file_name,label\na.png,red\nb.png,green\nc.png,blue\n') }]) });
  const cases = [['admin/colours-bomb', 'DATASET_ARCHIVE_TOO_LARGE'], ['admin/colours-missing', 'DATASET_LAYOUT_INVALID']] as const;
  const jobs = await Promise.all(cases.map(([dataset]) => evaluate(server, { model: MODEL, dataset, split: 'train' }, ADMIN_TOKEN)));
  jobs.forEach((job, index) => assert.deepEqual([job.state, job.error?.code], ['failed', cases[index]![1]], JSON.stringify(job.error)));
});
