// The tfjs starter models on real photos: CenterNet detection, nsfwjs moderation and face-api faces,
// each loaded from its catalog entry exactly as an import would commit it, with checked answers,
// stable tensor counts across runs, and bad models / bad images failing with catalog error codes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { isModaError } from '../src/errors/moda-error.js';
import type { LoadedPipeline, RunContext } from '../src/pipelines/pipeline-implementation.js';
import { findImplementation } from '../src/pipelines/registry.js';
import { loadCenternet, type CenternetDetector, type Detection, type StageTimings } from '../src/pipelines/vision/centernet-pipeline.js';
import type { Face } from '../src/pipelines/vision/face-api-pipeline.js';
import { bilinearAlignCorners } from '../src/pipelines/vision/model-input.js';
import { readNsfwjsBundle } from '../src/pipelines/vision/nsfwjs-bundle.js';
import { loadTfjsGraphModel, tf } from '../src/runtime/engines/tfjs-engine.js';
import { openSnapshot, type ModelSnapshot } from '../src/runtime/model-snapshot.js';
import type { TaskId } from '../src/tasks/catalog.js';
import type { LabelScore } from '../src/tasks/values.js';
import { catalogSnapshot } from './helpers/catalog-snapshot.js';
import { darknetPhoto, faceApiSample } from './fixtures/photos.js';

const context: RunContext = { maxImagePixels: 40_000_000, fetch: globalThis.fetch };
const processHandlers = () => [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')];
let handlersBeforeTfjs: number[] = [];
const snapshots: ModelSnapshot[] = [];
let scratch = '';
let detector: CenternetDetector | undefined;
let moderation: LoadedPipeline | undefined;
let faces: LoadedPipeline | undefined;

async function loadEntry(name: string, task: TaskId): Promise<LoadedPipeline> {
  const snapshot = await catalogSnapshot(name);
  snapshots.push(snapshot);
  const implementation = findImplementation(snapshot.configuration!.pipeline!.type);
  assert.ok(implementation, `no implementation for ${name}`);
  return implementation.load(snapshot, { task, device: 'cpu', threads: 0 });
}

function centre(box: { xmin: number; ymin: number; xmax: number; ymax: number }): [number, number] {
  return [(box.xmin + box.xmax) / 2, (box.ymin + box.ymax) / 2];
}

function assertCodeRejects(promise: Promise<unknown>, code: string): Promise<void> {
  return assert.rejects(promise, (error: unknown) => {
    assert.ok(isModaError(error), `expected a ModaError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

before(async () => {
  // Taken here, not at import: the test runner adds its own handlers once the first test registers.
  handlersBeforeTfjs = processHandlers();
  scratch = await mkdtemp(join(tmpdir(), 'moda-vision-'));
  const snapshot = await catalogSnapshot('detection-centernet-coco');
  snapshots.push(snapshot);
  detector = await loadCenternet(snapshot);
  moderation = await loadEntry('moderation-nsfw-mobilenetv2', 'image-classification');
  faces = await loadEntry('face-detection-faceapi', 'face-detection');
});

after(async () => {
  detector?.dispose();
  await moderation?.dispose();
  await faces?.dispose();
  await Promise.all([scratch, ...snapshots.map((snapshot) => snapshot.dir)].filter((dir) => dir !== '').map((dir) => rm(dir, { recursive: true, force: true })));
});

void test('starting the wasm backend leaves the process error handlers as they were', () => {
  assert.equal(tf.getBackend(), 'wasm');
  assert.deepEqual(processHandlers(), handlersBeforeTfjs);
});

void test('centernet finds the dog, the bicycle and the truck in dog.jpg where they are', async (t) => {
  assert.ok(detector);
  const timings: StageTimings = { preprocessMs: 0, modelMs: 0, postprocessMs: 0 };
  const found = await detector.detect(await darknetPhoto('dog'), {}, context, timings);
  const scores = found.map((detection) => detection.score);
  assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'sorted by score');
  for (const { box } of found) assert.ok(box.xmin >= 0 && box.ymin >= 0 && box.xmax <= 768 && box.ymax <= 576 && box.xmin < box.xmax && box.ymin < box.ymax, JSON.stringify(box));
  const best = (label: string) => found.find((detection) => detection.label === label);
  // dog.jpg (768×576): the dog sits bottom-left, the bicycle spans the middle, a truck is parked top-right.
  const dog = best('dog');
  assert.ok(dog, `no dog in ${JSON.stringify(found)}`);
  const [dogX, dogY] = centre(dog.box);
  assert.ok(dogX > 130 && dogX < 320 && dogY > 300 && dogY < 480, `dog centre ${dogX},${dogY}`);
  const bicycle = best('bicycle');
  assert.ok(bicycle, 'no bicycle');
  const [bikeX, bikeY] = centre(bicycle.box);
  assert.ok(bikeX > 250 && bikeX < 430 && bikeY > 200 && bikeY < 380, `bicycle centre ${bikeX},${bikeY}`);
  const vehicle = found.find((detection) => detection.label === 'truck' || detection.label === 'car');
  assert.ok(vehicle, 'no truck or car');
  const [carX, carY] = centre(vehicle.box);
  assert.ok(carX > 480 && carY < 200, `vehicle centre ${carX},${carY}`);
  t.diagnostic(`dog.jpg: ${found.map((detection) => `${detection.label} ${detection.score}`).join(', ')}`);

  const strict = await detector.detect(await darknetPhoto('dog'), { threshold: 0.5 }, context);
  assert.ok(strict.length > 0 && strict.every((detection) => detection.score >= 0.5));
  assert.equal((await detector.detect(await darknetPhoto('dog'), { top_k: 2 }, context)).length, 2);
});

void test('centernet counts the horses and finds the person; tensors do not leak; latency split', async (t) => {
  assert.ok(detector);
  const horses = await detector.detect(await darknetPhoto('horses'), {}, context);
  assert.ok(horses.filter((detection) => detection.label === 'horse' && detection.score >= 0.3).length >= 2, JSON.stringify(horses));
  const person = await detector.detect(await darknetPhoto('person'), {}, context);
  assert.equal(person[0]?.label, 'person');
  // person.jpg (640×424): the woman stands left of centre, between the dog and the horse.
  const [personX] = centre(person[0].box);
  assert.ok(personX > 180 && personX < 290, `person centre x ${personX}`);

  const photos = await Promise.all(['dog', 'person', 'horses', 'kite', 'giraffe', 'eagle'].map((name) => darknetPhoto(name)));
  const tensorsBefore = tf.memory().numTensors;
  const timings: StageTimings = { preprocessMs: 0, modelMs: 0, postprocessMs: 0 };
  for (const photo of photos) await detector.detect(photo, {}, context, timings);
  assert.equal(tf.memory().numTensors, tensorsBefore, 'every run disposes its tensors');
  const total = timings.preprocessMs + timings.modelMs + timings.postprocessMs;
  const share = (timings.preprocessMs + timings.postprocessMs) / total;
  t.diagnostic(
    `centernet: ${(total / photos.length).toFixed(0)} ms/image, model ${(timings.modelMs / photos.length).toFixed(0)} ms, ` +
      `pre ${(timings.preprocessMs / photos.length).toFixed(1)} ms, post ${(timings.postprocessMs / photos.length).toFixed(2)} ms, pre+post share ${(share * 100).toFixed(1)}%`,
  );
  // The target is < 20%; a loaded shared CI machine gets slack so timing noise cannot fail the build.
  assert.ok(share < 0.4, `pre/post-processing is ${(share * 100).toFixed(1)}% of the time`);
});

void test('centernet through the registry: a batch gives one answer per image, in order', async () => {
  const bytesBefore = tf.memory().numBytes;
  const pipeline = await loadEntry('detection-centernet-coco', 'object-detection');
  try {
    assert.equal(pipeline.engine, 'tfjs');
    // The float16 weights are dequantized on load: 4.0 MB on disk, 8.1 MB resident, as reported.
    assert.equal(pipeline.memoryBytes, tf.memory().numBytes - bytesBefore);
    assert.ok(pipeline.memoryBytes > 7_000_000 && pipeline.memoryBytes < 9_000_000, `memory ${pipeline.memoryBytes}`);
    const [dog, eagle] = (await pipeline.run([await darknetPhoto('dog'), await darknetPhoto('eagle')], {}, context)) as Detection[][];
    assert.ok(dog?.some((detection) => detection.label === 'dog'));
    assert.equal(eagle?.[0]?.label, 'bird');
  } finally {
    await pipeline.dispose();
  }
});

void test('nsfw moderation calls ordinary photos Neutral, batch and single runs agree', async (t) => {
  assert.ok(moderation);
  const names = ['dog', 'person', 'horses', 'eagle', 'giraffe'];
  const photos = await Promise.all(names.map((name) => darknetPhoto(name)));
  const tensorsBefore = tf.memory().numTensors;
  const started = performance.now();
  const batch = (await moderation.run(photos, {}, context)) as LabelScore[][];
  const batchMs = performance.now() - started;
  assert.equal(tf.memory().numTensors, tensorsBefore);
  batch.forEach((labels, index) => {
    assert.equal(labels.length, 5);
    assert.ok(['Neutral', 'Drawing'].includes(labels[0]!.label), `${names[index]}: ${JSON.stringify(labels)}`);
    assert.ok(labels[0]!.score > 0.8, `${names[index]}: ${JSON.stringify(labels)}`);
    assert.deepEqual(labels.map((label) => label.score), labels.map((label) => label.score).sort((a, b) => b - a));
    assert.ok(Math.abs(labels.reduce((sum, label) => sum + label.score, 0) - 1) < 1e-3, 'softmax scores sum to 1');
  });
  const singleStarted = performance.now();
  const [single] = (await moderation.run([photos[0]!], { top_k: 2 }, context)) as LabelScore[][];
  const singleMs = performance.now() - singleStarted;
  assert.equal(single?.length, 2);
  single!.forEach((label, index) => {
    assert.equal(label.label, batch[0]![index]!.label);
    assert.ok(Math.abs(label.score - batch[0]![index]!.score) < 1e-4);
  });
  t.diagnostic(`nsfw: ${singleMs.toFixed(0)} ms for one image, ${(batchMs / photos.length).toFixed(0)} ms/image in a batch of ${photos.length}`);

  // face-api's sample2.jpg (three women in short party dresses) is what the "Sexy" class is for;
  // nsfwjs' own code scores it Sexy 0.950 — the same preprocessing must give the same answer.
  const [party] = (await moderation.run([await faceApiSample(2)], { top_k: 1 }, context)) as LabelScore[][];
  assert.equal(party?.[0]?.label, 'Sexy');
  assert.ok(Math.abs(party[0].score - 0.95) < 0.01, `Sexy ${party[0].score}`);
});

void test('the align-corners resize equals tf.image.resizeBilinear(alignCorners = true)', () => {
  const width = 37;
  const height = 23;
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 256;
  const ours = bilinearAlignCorners({ data, width, height, channels: 3 }, 16, 11, 1 / 255);
  const reference = tf.tidy(() => tf.image.resizeBilinear(tf.div(tf.tensor3d(new Float32Array(data), [height, width, 3]), 255) as tf.Tensor3D, [11, 16], true).dataSync());
  assert.equal(ours.length, reference.length);
  ours.forEach((value, index) => assert.ok(Math.abs(value - reference[index]!) < 1e-5, `pixel value ${index}: ${value} vs ${reference[index]}`));
});

function distance(a: readonly number[], b: readonly number[]): number {
  return Math.sqrt(a.reduce((sum, value, index) => sum + (value - b[index]!) ** 2, 0));
}

void test('face-api finds the faces with 68 landmarks inside each box; the same face embeds closer than another', async (t) => {
  assert.ok(faces);
  const photo = await faceApiSample(1);
  const tensorsBefore = tf.memory().numTensors;
  const started = performance.now();
  const [found] = (await faces.run([photo], {}, context)) as Face[][];
  const elapsed = performance.now() - started;
  assert.equal(tf.memory().numTensors, tensorsBefore, 'every run disposes its tensors');
  assert.ok(found);
  // sample1.jpg (1920×1280) shows three women side by side.
  assert.equal(found.length, 3, JSON.stringify(found.map((face) => face.box)));
  for (const face of found) {
    assert.ok(face.score > 0.9);
    const { xmin, ymin, xmax, ymax } = face.box;
    assert.ok(xmax - xmin > 100 && ymax - ymin > 100, JSON.stringify(face.box));
    assert.equal(face.landmarks?.length, 68);
    const slackX = (xmax - xmin) * 0.1;
    const slackY = (ymax - ymin) * 0.1;
    for (const [x, y] of face.landmarks!) assert.ok(x >= xmin - slackX && x <= xmax + slackX && y >= ymin - slackY && y <= ymax + slackY, `landmark ${x},${y} outside ${JSON.stringify(face.box)}`);
    assert.ok(face.age! > 12 && face.age! < 60, `age ${face.age}`);
    assert.equal(face.gender?.label, 'female');
    assert.equal(face.expression?.length, 7);
    assert.equal(face.embedding?.length, 128);
  }
  // The same three faces, smaller and re-encoded: each should match itself, not a neighbour.
  const smaller = await sharp(photo).resize(1280).jpeg({ quality: 80 }).toBuffer();
  const [again] = (await faces.run([smaller], {}, context)) as Face[][];
  assert.equal(again?.length, 3);
  const byX = (list: Face[]) => [...list].sort((a, b) => a.box.xmin - b.box.xmin);
  const left = byX(found);
  const right = byX(again!);
  const distances: string[] = [];
  for (const [index, face] of left.entries()) {
    const same = distance(face.embedding!, right[index]!.embedding!);
    const others = right.filter((_, other) => other !== index).map((other) => distance(face.embedding!, other.embedding!));
    distances.push(`same ${same.toFixed(3)} / others ${others.map((value) => value.toFixed(3)).join(',')}`);
    assert.ok(same < 0.4, `same face at two sizes is ${same} apart`);
    for (const other of others) assert.ok(other > same + 0.15, `a different face is ${other} apart, the same face ${same}`);
  }
  t.diagnostic(`face-api: ${elapsed.toFixed(0)} ms for sample1.jpg (1920×1280, 3 faces); embedding distances ${distances.join('; ')}`);

  const [none] = (await faces.run([await darknetPhoto('eagle')], {}, context)) as Face[][];
  assert.deepEqual(none, []);
  const [top] = (await faces.run([await sharp(photo).resize(960).jpeg().toBuffer()], { max_faces: 1, threshold: 0.9 }, context)) as Face[][];
  assert.equal(top?.length, 1);
});

void test('bad images are IMAGE_DECODE_FAILED for every vision pipeline', async () => {
  assert.ok(detector && moderation && faces);
  const dog = await darknetPhoto('dog');
  const truncated = dog.subarray(0, Math.floor(dog.length / 3));
  const garbage = Buffer.from('this is not an image at all');
  await assertCodeRejects(detector.detect(truncated, {}, context), 'IMAGE_DECODE_FAILED');
  await assertCodeRejects(detector.detect(garbage, {}, context), 'IMAGE_DECODE_FAILED');
  await assertCodeRejects(moderation.run([dog, truncated], {}, context), 'IMAGE_DECODE_FAILED');
  await assertCodeRejects(faces.run([garbage.toString('base64')], {}, context), 'IMAGE_DECODE_FAILED');
  await assertCodeRejects(moderation.run([42], {}, context), 'TASK_INPUT_INVALID');
});

async function modelDir(name: string, files: Record<string, string | Buffer>): Promise<string> {
  const dir = join(scratch, name);
  await mkdir(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) await writeFile(join(dir, path), content);
  return dir;
}

const TINY_GRAPH = { format: 'graph-model', modelTopology: { node: [] } };
const weights = (paths: string[], count = 4) => [{ paths, weights: [{ name: 'w', shape: [count], dtype: 'float32' }] }];

void test('malformed tfjs models are MODEL_LOAD_FAILED, and weights never load from outside the model folder', async () => {
  const garbage = await modelDir('garbage', { 'model.json': '{ this is not json' });
  await assertCodeRejects(loadTfjsGraphModel(join(garbage, 'model.json')), 'MODEL_LOAD_FAILED');
  const notGraph = await modelDir('not-graph', { 'model.json': JSON.stringify({ modelTopology: 'x', weightsManifest: [] }) });
  await assertCodeRejects(loadTfjsGraphModel(join(notGraph, 'model.json')), 'MODEL_LOAD_FAILED');

  await writeFile(join(scratch, 'secret.bin'), Buffer.alloc(16));
  const escaping = await modelDir('escaping', { 'model.json': JSON.stringify({ ...TINY_GRAPH, weightsManifest: weights(['../secret.bin']) }) });
  await assertCodeRejects(loadTfjsGraphModel(join(escaping, 'model.json')), 'MODEL_LOAD_FAILED');
  const absolute = await modelDir('absolute', { 'model.json': JSON.stringify({ ...TINY_GRAPH, weightsManifest: weights([join(scratch, 'secret.bin')]) }) });
  await assertCodeRejects(loadTfjsGraphModel(join(absolute, 'model.json')), 'MODEL_LOAD_FAILED');
  const linked = await modelDir('linked', { 'model.json': JSON.stringify({ ...TINY_GRAPH, weightsManifest: weights(['w.bin']) }) });
  await symlink(join(scratch, 'secret.bin'), join(linked, 'w.bin'));
  await assertCodeRejects(loadTfjsGraphModel(join(linked, 'model.json')), 'MODEL_LOAD_FAILED');

  const truncated = await modelDir('truncated', { 'model.json': JSON.stringify({ ...TINY_GRAPH, weightsManifest: weights(['w.bin'], 1000) }), 'w.bin': Buffer.alloc(16) });
  await assertCodeRejects(loadTfjsGraphModel(join(truncated, 'model.json')), 'MODEL_LOAD_FAILED');
  const huge = await modelDir('huge', { 'model.json': JSON.stringify({ ...TINY_GRAPH, weightsManifest: weights(['w.bin'], 2 ** 31) }), 'w.bin': Buffer.alloc(16) });
  await assertCodeRejects(loadTfjsGraphModel(join(huge, 'model.json')), 'MODEL_LOAD_FAILED');
  const badShape = await modelDir('bad-shape', { 'model.json': JSON.stringify({ ...TINY_GRAPH, weightsManifest: [{ paths: [], weights: [{ name: 'w', shape: [-1], dtype: 'float32' }] }] }) });
  await assertCodeRejects(loadTfjsGraphModel(join(badShape, 'model.json')), 'MODEL_LOAD_FAILED');
});

void test('a repo whose files are wrong fails to load with MODEL_LOAD_FAILED, through the registry', async () => {
  const configuration = (type: string, task: string, model: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ framework: 'tfjs', task, pipeline: { type }, model, ...extra });
  const load = async (name: string, files: Record<string, string | Buffer>, task: TaskId) => {
    const snapshot = await openSnapshot(await modelDir(name, files), `moda/${name}`, '0'.repeat(40));
    return findImplementation(snapshot.configuration!.pipeline!.type)!.load(snapshot, { task, device: 'cpu', threads: 0 });
  };
  await assertCodeRejects(
    load('repo-centernet', { 'configuration.json': configuration('centernet', 'object-detection', { file: 'model.json' }, { id2label: { 0: 'a' } }), 'model.json': '[]' }, 'object-detection'),
    'MODEL_LOAD_FAILED',
  );
  await assertCodeRejects(load('repo-traversal', { 'configuration.json': configuration('centernet', 'object-detection', { file: '../escaping/model.json' }, { id2label: { 0: 'a' } }) }, 'object-detection'), 'MODEL_LOAD_FAILED');
  await assertCodeRejects(
    load('repo-nsfw-code', { 'configuration.json': configuration('nsfwjs', 'image-classification', { format: 'nsfwjs-bundle', topology: 'model.min.js', weights: ['w.min.js'] }, { id2label: { 0: 'a' } }), 'model.min.js': '{1:[function(e,a,n){a.exports=require("child_process")}', 'w.min.js': '' }, 'image-classification'),
    'MODEL_LOAD_FAILED',
  );
  await assertCodeRejects(load('repo-face', { 'configuration.json': configuration('face-api', 'face-detection', { detector: 'manifest.json' }), 'manifest.json': '{"paths": 1}' }, 'face-detection'), 'MODEL_LOAD_FAILED');
  await assertCodeRejects(
    load('repo-face-weights', { 'configuration.json': configuration('face-api', 'face-detection', { detector: 'manifest.json' }), 'manifest.json': JSON.stringify(weights(['w.bin'])), 'w.bin': Buffer.alloc(16) }, 'face-detection'),
    'MODEL_LOAD_FAILED',
  );
});

void test('the nsfwjs bundle reader takes only a literal, never code', async () => {
  const dir = await modelDir('bundles', {
    'call.min.js': '{1:[function(e,a,n){a.exports={modelTopology:{x:1},weightsManifest:[]};process.exit(1)}',
    'getter.min.js': '{1:[function(e,a,n){a.exports={get x(){return 1}}}',
    'proto.min.js': '{1:[function(e,a,n){a.exports={__proto__:{polluted:!0}}}',
  });
  for (const name of ['call.min.js', 'getter.min.js', 'proto.min.js']) await assertCodeRejects(readNsfwjsBundle(join(dir, name), []), 'MODEL_LOAD_FAILED');
});
