// The eval job streams its split: the first page is a few rows and the pages grow from there, so a
// split longer than the first page is read across several pages. Every row is still scored once, in
// row order, and the result's timings run in order from the process start to the finish. A split
// that breaks in a later page — after the first samples went out — fails the job with the reader's
// stable code, and leaves nothing half-written: no results commit, no predictions artifact.
import assert from 'node:assert/strict';
import { uploadFiles } from '@huggingface/hub';
import { after, before, test } from 'node:test';
import { noisyImage } from './fixtures/colour-images.js';
import { tinyImageClassifier } from './fixtures/tiny-task-models.js';
import { commitFiles, createDataset } from './helpers/dataset-repo.js';
import { evaluate, modelHead, type EvalResult } from './helpers/eval-setup.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';
import { zipOf } from './helpers/zip-archive.js';

const COLOURS: Record<string, [number, number, number]> = { red: [220, 30, 30], green: [30, 200, 40], blue: [30, 40, 220] };
const MODEL = 'admin/tiny-colours';
/** Rows per class: 12 rows in all, more than the reader's first page (8). */
const PER_CLASS = 4;

let server: TestServer;
const members: { name: string; data: Buffer }[] = [];

before(async () => {
  server = await startTestServer({ jobConcurrency: 2 });
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'tiny-colours', organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: MODEL, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: tinyImageClassifier().files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
  let seed = 700;
  for (const [label, rgb] of Object.entries(COLOURS)) for (let index = 0; index < PER_CLASS; index++) members.push({ name: `${label}/${index}.png`, data: await noisyImage(rgb, seed++) });
  await createDataset(server, 'colours-long');
  await commitFiles(server, 'admin/colours-long', { 'train.zip': zipOf(members) });
  // The same rows and, last (in the archive and in path order: row 12, the second page), a member that inflates past the size it declares.
  await createDataset(server, 'colours-breaks-late');
  await commitFiles(server, 'admin/colours-breaks-late', { 'train.zip': zipOf([...members, { name: 'red/9.png', data: Buffer.alloc(300_000, 9), declared: 100 }]) });
});

after(() => server?.stop());

void test('a split longer than the first page is scored whole, in row order, with its timings in order', async () => {
  const job = await evaluate(server, { model: MODEL, dataset: 'admin/colours-long', split: 'train' }, ADMIN_TOKEN);
  assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
  const result = job.result as unknown as EvalResult & { timings: Record<string, number | null> };
  assert.deepEqual([result.samples, result.failed], [members.length, 0]);
  const predictions = await server.request(`/api/v1/jobs/${job.id}/artifacts/predictions.jsonl`, { token: ADMIN_TOKEN });
  assert.equal(predictions.status, 200);
  const rows = (await predictions.text()).trim().split('\n').map((line) => JSON.parse(line) as { row_idx: number });
  assert.deepEqual(rows.map((row) => row.row_idx), members.map((_, index) => index));
  const order = ['process_started', 'evaluation_started', 'dataset_prepared', 'dataset_opened', 'first_request_sent', 'last_answer', 'predictions_stored', 'finished'];
  const marks = order.map((name) => result.timings[name]);
  for (const [index, mark] of marks.entries()) assert.equal(typeof mark, 'number', `${order[index]}: ${String(mark)}`);
  for (let index = 1; index < marks.length; index++) assert.ok(marks[index]! >= marks[index - 1]!, `${order[index]} (${marks[index]}) before ${order[index - 1]} (${marks[index - 1]})`);
});

void test('a split that breaks in a later page fails the job with its code and writes nothing', async () => {
  const head = await modelHead(server, MODEL, ADMIN_TOKEN);
  const job = await evaluate(server, { model: MODEL, dataset: 'admin/colours-breaks-late', split: 'train' }, ADMIN_TOKEN);
  assert.deepEqual([job.state, job.error?.code], ['failed', 'DATASET_ARCHIVE_TOO_LARGE'], JSON.stringify(job.error));
  assert.equal(job.result, null);
  assert.equal((await server.request(`/api/v1/jobs/${job.id}/artifacts/predictions.jsonl`, { token: ADMIN_TOKEN })).status, 404);
  // The first test's run may have committed; this one adds nothing on top of what was there before it.
  assert.equal(await modelHead(server, MODEL, ADMIN_TOKEN), head);
});
