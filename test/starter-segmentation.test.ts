// The portrait (selfie) segmentation starter model on real photos, the way users reach it: imported
// from its catalog entry into a real hub, run through `pipeline()`, over HTTP and with `moda run`.
// The mask must cover the person — a box measured by hand on darknet's person.jpg, the faces the
// face-api model finds on one of its sample photos — and leave the background out; bad input gets
// catalog codes; a catalog entry whose install-time files are missing is skipped with a reason.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { importCatalog } from '../src/catalog/import-catalog.js';
import { resolveCatalogSource } from '../src/catalog/read-catalog.js';
import { runCli } from '../src/cli/run-cli.js';
import { isModaError } from '../src/errors/moda-error.js';
import { pipeline, type TaskPipeline } from '../src/pipelines/pipeline.js';
import type { LoadedPipeline } from '../src/pipelines/pipeline-implementation.js';
import { findImplementation } from '../src/pipelines/registry.js';
import type { Face } from '../src/pipelines/vision/face-api-pipeline.js';
import { tf } from '../src/runtime/engines/tfjs-engine.js';
import type { ModelSnapshot } from '../src/runtime/model-snapshot.js';
import { catalogSnapshot } from './helpers/catalog-snapshot.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';
import { darknetPhoto, faceApiSample } from './fixtures/photos.js';

const REPO = 'moda/segmentation-selfie';

interface Box {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

/**
 * darknet's person.jpg (640×424): a man in a blue jacket seen from behind, with a dog and a horse.
 * Measured by hand on the photo: the whole person (hat to boots, glove included), the jacket, the trousers.
 */
const PERSON: Box = { xmin: 192, ymin: 100, xmax: 276, ymax: 374 };
const JACKET: Box = { xmin: 200, ymin: 130, xmax: 262, ymax: 240 };
const TROUSERS: Box = { xmin: 208, ymin: 250, xmax: 254, ymax: 320 };

let server: TestServer;
let work: string;
let segment: TaskPipeline<'image-segmentation'>;
let faces: LoadedPipeline | undefined;
let faceSnapshot: ModelSnapshot | undefined;

interface Mask {
  width: number;
  height: number;
  channels: number;
  data: Buffer;
}

async function decodeMask(base64: string): Promise<Mask> {
  const png = Buffer.from(base64, 'base64');
  const metadata = await sharp(png).metadata();
  assert.equal(metadata.format, 'png');
  const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: metadata.channels, data };
}

/** Share of the box's pixels inside the mask. */
function coverage(mask: Mask, box: Box): number {
  let inside = 0;
  let total = 0;
  for (let y = Math.max(0, Math.floor(box.ymin)); y < Math.min(mask.height, Math.ceil(box.ymax)); y++) {
    for (let x = Math.max(0, Math.floor(box.xmin)); x < Math.min(mask.width, Math.ceil(box.xmax)); x++) {
      total++;
      if (mask.data[y * mask.width + x] !== 0) inside++;
    }
  }
  return total === 0 ? 0 : inside / total;
}

function insideCount(mask: Mask): number {
  return mask.data.reduce((count, value) => count + (value !== 0 ? 1 : 0), 0);
}

function grow(box: Box, by: number): Box {
  return { xmin: box.xmin - by, ymin: box.ymin - by, xmax: box.xmax + by, ymax: box.ymax + by };
}

async function personMask(output: { label: string; score: number | null; mask: string }[], width: number, height: number): Promise<Mask> {
  assert.equal(output.length, 1, JSON.stringify(output.map(({ label }) => label)));
  assert.equal(output[0]?.label, 'person');
  assert.equal(output[0]?.score, null);
  const mask = await decodeMask(output[0]!.mask);
  assert.deepEqual([mask.width, mask.height, mask.channels], [width, height, 1], 'a single-channel mask the size of the image');
  assert.ok(mask.data.every((value) => value === 0 || value === 255), 'mask values are 0 or 255');
  return mask;
}

function assertCode(error: unknown, code: string): true {
  assert.ok(isModaError(error), `expected a ModaError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  return true;
}

async function moda(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { MODA_HOME: join(work, 'cli'), MODA_ENDPOINT: server.url, MODA_TOKEN: ADMIN_TOKEN },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from([]),
  });
  return { code, stdout, stderr };
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'moda-selfie-'));
  server = await startTestServer();
  const [imported] = await importCatalog(server.hub, { only: ['segmentation-selfie'] });
  assert.equal(imported?.status, 'imported', `${imported?.status}: ${imported?.reason ?? ''} (the files come from node scripts/fetch-model-files.mjs)`);
  segment = await pipeline('image-segmentation', REPO, { endpoint: server.url, token: ADMIN_TOKEN, cacheDir: join(work, 'cache') });
  faceSnapshot = await catalogSnapshot('face-detection-faceapi');
  faces = await findImplementation('face-api')!.load(faceSnapshot, { task: 'face-detection', device: 'cpu', threads: 0 });
});

after(async () => {
  await segment?.dispose();
  await faces?.dispose();
  await server?.stop();
  await Promise.all([work, faceSnapshot?.dir].filter((dir) => dir !== undefined).map((dir) => rm(dir, { recursive: true, force: true })));
});

void test('pipeline(): the mask on person.jpg covers the hand-measured person and leaves the dog, the horse and the sky out', async (t) => {
  const photo = await darknetPhoto('person');
  const started = performance.now();
  const output = await segment(new Uint8Array(photo));
  const ms = performance.now() - started;
  const mask = await personMask(output, 640, 424);
  const jacket = coverage(mask, JACKET);
  const trousers = coverage(mask, TROUSERS);
  assert.ok(jacket >= 0.9, `jacket ${jacket}`);
  assert.ok(trousers >= 0.85, `trousers ${trousers}`);
  // Nearly every masked pixel lies on the person (a margin for hair and edges); the rest is background.
  const inside = insideCount(mask);
  const nearPerson = coverage(mask, grow(PERSON, 12)) * (PERSON.xmax - PERSON.xmin + 24) * (PERSON.ymax - PERSON.ymin + 24);
  assert.ok(nearPerson / inside >= 0.95, `${inside - nearPerson} of ${inside} mask pixels are away from the person`);
  assert.ok(coverage(mask, PERSON) >= 0.45, `the person box is ${coverage(mask, PERSON)} covered`);
  for (const corner of [{ xmin: 0, ymin: 0, xmax: 40, ymax: 40 }, { xmin: 600, ymin: 0, xmax: 640, ymax: 40 }, { xmin: 0, ymin: 384, xmax: 40, ymax: 424 }, { xmin: 600, ymin: 384, xmax: 640, ymax: 424 }]) {
    assert.equal(coverage(mask, corner), 0, `corner ${JSON.stringify(corner)}`);
  }
  t.diagnostic(`person.jpg: jacket ${jacket.toFixed(3)}, trousers ${trousers.toFixed(3)}, person box ${coverage(mask, PERSON).toFixed(3)}, image ${(inside / (640 * 424)).toFixed(3)}; ${ms.toFixed(0)} ms`);
});

void test('pipeline(): on a group photo every face face-api finds is inside the mask, the wall above them is not', async (t) => {
  assert.ok(faces);
  const photo = await faceApiSample(1);
  const [found] = (await faces.run([photo], {}, { maxImagePixels: 40_000_000, fetch: globalThis.fetch })) as Face[][];
  assert.equal(found?.length, 3);
  const { width = 0, height = 0 } = await sharp(photo).metadata();
  const mask = await personMask(await segment(photo), width, height);
  for (const face of found!) assert.ok(coverage(mask, face.box) >= 0.8, `face ${JSON.stringify(face.box)} is ${coverage(mask, face.box)} covered`);
  const top = Math.min(...found!.map((face) => face.box.ymin));
  // The band of wall above the highest head (less a margin for hair) holds almost no mask.
  const wall = coverage(mask, { xmin: 0, ymin: 0, xmax: width, ymax: top - 0.1 * height });
  assert.ok(wall <= 0.03, `wall above the heads is ${wall} covered`);
  t.diagnostic(`sample1.jpg: faces ${found!.map((face) => coverage(mask, face.box).toFixed(3)).join(', ')}; wall ${wall.toFixed(3)}; image ${(insideCount(mask) / (width * height)).toFixed(3)}`);
});

void test('pipeline(): a batch answers per image in order; mask_threshold moves the edge; no tensors leak; nobody in a blank image', async () => {
  const person = await darknetPhoto('person');
  const group = await faceApiSample(1);
  const single = await segment(new Uint8Array(person));
  const tensors = tf.memory().numTensors;
  const batch = await segment([new Uint8Array(person), new Uint8Array(group)]);
  assert.equal(batch.length, 2);
  assert.deepEqual(batch[0], single, 'the same image gives the same mask alone and in a batch');
  assert.equal((await decodeMask(batch[1]![0]!.mask)).width, 1920);
  assert.equal(tf.memory().numTensors, tensors, 'tensors are disposed');

  const loose = insideCount(await personMask(await segment(new Uint8Array(person), { mask_threshold: 0.1 }), 640, 424));
  const usual = insideCount(await personMask(single, 640, 424));
  const strict = insideCount(await personMask(await segment(new Uint8Array(person), { mask_threshold: 0.95 }), 640, 424));
  assert.ok(loose > usual && usual > strict && strict > 0, `inside pixels at 0.1 / 0.5 / 0.95: ${loose} / ${usual} / ${strict}`);

  const blank = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#ffffff' } }).png().toBuffer();
  assert.deepEqual(await segment(new Uint8Array(blank)), [], 'semantic segmentation lists only the labels present');
});

void test('pipeline(): bad input is an IMAGE_* or TASK_INPUT_INVALID error', async () => {
  const person = await darknetPhoto('person');
  await assert.rejects(segment(new Uint8Array([1, 2, 3, 4, 5])), (error) => assertCode(error, 'IMAGE_DECODE_FAILED'));
  await assert.rejects(segment(new Uint8Array(person.subarray(0, 2000))), (error) => assertCode(error, 'IMAGE_DECODE_FAILED'));
  await assert.rejects(segment(new Uint8Array(person), { subtask: 'instance' }), (error) => assertCode(error, 'TASK_INPUT_INVALID'));
  await assert.rejects(segment(new Uint8Array(person), { mask_threshold: 2 } as never), (error) => assertCode(error, 'TASK_INPUT_INVALID'));
});

void test('HTTP: POST …/pipeline with a raw JPEG or base64 JSON answers the mask; an undecodable image is 400 IMAGE_DECODE_FAILED', async () => {
  const photo = await darknetPhoto('person');
  const url = `/api/v1/models/${REPO}/pipeline`;
  const raw = await server.request(url, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(photo), token: null });
  assert.equal(raw.status, 200, await raw.clone().text());
  const fromRaw = await personMask(((await raw.json()) as { output: { label: string; score: null; mask: string }[] }).output, 640, 424);
  assert.ok(coverage(fromRaw, JACKET) >= 0.9);

  const json = await server.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: photo.toString('base64'), parameters: { mask_threshold: 0.95 } }) });
  assert.equal(json.status, 200, await json.clone().text());
  const strict = await personMask(((await json.json()) as { output: { label: string; score: null; mask: string }[] }).output, 640, 424);
  assert.ok(insideCount(strict) < insideCount(fromRaw));

  const bad = await server.request(url, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]) });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { code: string }).code, 'IMAGE_DECODE_FAILED');
  const subtask = await server.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: photo.toString('base64'), parameters: { subtask: 'panoptic' } }) });
  assert.equal(subtask.status, 400);
  assert.equal(((await subtask.json()) as { code: string }).code, 'TASK_INPUT_INVALID');
});

void test('moda run moda/segmentation-selfie person.jpg prints coverage and box; --out writes the mask PNG', async () => {
  const image = join(work, 'person.jpg');
  await writeFile(image, await darknetPhoto('person'));
  const result = await moda(['run', REPO, image, '--out', join(work, 'mask.png')]);
  assert.equal(result.code, 0, result.stderr);
  const match = /^person\t-\t(\d+\.\d)% of 640×424\t\[(\d+), (\d+), (\d+), (\d+)\]\nwrote (.+)\n$/.exec(result.stdout);
  assert.ok(match, result.stdout);
  const [, percent, xmin, ymin, xmax, ymax, written] = match;
  assert.ok(Number(percent) > 3 && Number(percent) < 8, `${percent}% of the image`);
  // The mask's box is the person's, within a few pixels of the hand-measured one.
  for (const [found, expected] of [[xmin, PERSON.xmin], [ymin, PERSON.ymin], [xmax, PERSON.xmax], [ymax, PERSON.ymax]] as const) assert.ok(Math.abs(Number(found) - expected) <= 15, `${result.stdout} vs ${JSON.stringify(PERSON)}`);
  assert.equal(written, join(work, 'mask-person.png'));
  const saved = await decodeMask((await readFile(written)).toString('base64'));
  assert.deepEqual([saved.width, saved.height, saved.channels], [640, 424, 1]);
  assert.match(result.stderr, /image-segmentation · moda\/segmentation-selfie@[0-9a-f]{12} · tfjs · \d+ ms/);

  const missing = await moda(['run', REPO, join(work, 'nope.jpg')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /\[BAD_REQUEST\]/);
  const garbage = join(work, 'garbage.jpg');
  await writeFile(garbage, 'not an image');
  const undecodable = await moda(['run', REPO, garbage]);
  assert.equal(undecodable.code, 1);
  assert.match(undecodable.stderr, /\[IMAGE_DECODE_FAILED\]/);
});

void test('the card is real; missing install-time files skip the entry with CATALOG_SOURCE_MISSING naming the script', async () => {
  const card = await (await server.request(`/${REPO}/resolve/main/README.md`, { token: null })).text();
  assert.match(card, /^---\n[\s\S]*license: mit[\s\S]*pipeline_tag: image-segmentation/);
  assert.match(card, /## Evaluation[\s\S]*IoU/);
  const license = await (await server.request(`/${REPO}/resolve/main/LICENSE`, { token: null })).text();
  assert.match(license, /MIT License/);

  const entry = { repo: 'moda/absent', debianPackages: [] };
  await assert.rejects(resolveCatalogSource(entry, 'vendor:models/absent/model.json'), (error) => {
    assertCode(error, 'CATALOG_SOURCE_MISSING');
    assert.match((error as Error).message, /scripts\/fetch-model-files\.mjs/);
    return true;
  });
  await assert.rejects(resolveCatalogSource(entry, 'vendor:../package.json'), (error) => assertCode(error, 'PATH_INVALID'));
  const catalogDir = join(work, 'catalog');
  await mkdir(join(catalogDir, 'absent'), { recursive: true });
  await writeFile(join(catalogDir, 'absent', 'catalog.json'), JSON.stringify({ repo: 'moda/absent', version: 1, files: [{ path: 'model.json', from: 'vendor:models/absent/model.json' }] }));
  const [skipped] = await importCatalog(server.hub, { catalogDir });
  assert.equal(skipped?.status, 'skipped');
  assert.match(skipped?.reason ?? '', /vendor\/models\/absent\/model\.json is missing \(run node scripts\/fetch-model-files\.mjs/);

  // The install step itself: with the files in place it verifies them and fetches nothing.
  const { stdout } = await promisify(execFile)(process.execPath, ['scripts/fetch-model-files.mjs', '--check']);
  assert.match(stdout, /selfie\.bin.*present and verified/);
});
