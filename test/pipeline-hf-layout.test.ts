// `pipeline()` from Moda's public API on Hugging Face-layout ONNX models that the test builds, uploads
// to a real server and checks against outputs computed by hand: text classification, token
// classification (word offsets), feature extraction, sentence similarity and image classification;
// then the offline path (cached snapshot, server gone) and the bad inputs each with its stable code.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import sharp from 'sharp';
import { pipeline, type PipelineOptions } from '../src/index.js';
import { tinyTextClassifier, type ModelFile } from './fixtures/tiny-models.js';
import { solidColorPng, tinyFeatureExtractor, tinyImageClassifier, tinyTokenClassifier } from './fixtures/tiny-task-models.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let cacheDir: string;
let options: PipelineOptions;
const TOLERANCE = 1e-4;

async function publish(name: string, files: ModelFile[]): Promise<string> {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, organization: 'admin' }) });
  assert.equal(created.status, 200, await created.clone().text());
  await uploadFiles({ repo: `admin/${name}`, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
  return `admin/${name}`;
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: { code?: string; message?: string }) => {
    assert.equal(error.code, code, error.message);
    return true;
  });
}

const textClassifier = tinyTextClassifier();
const tokenClassifier = tinyTokenClassifier();
const featureExtractor = tinyFeatureExtractor();
const imageClassifier = tinyImageClassifier();

before(async () => {
  server = await startTestServer();
  cacheDir = await mkdtemp(join(tmpdir(), 'moda-pipeline-cache-'));
  options = { endpoint: server.url, token: ADMIN_TOKEN, cacheDir, device: 'cpu' };
  await publish('tiny-sentiment', textClassifier.files);
  await publish('tiny-ner', tokenClassifier.files);
  await publish('tiny-embedder', featureExtractor.files);
  await publish('tiny-colours', imageClassifier.files);
  await publish('no-model', [{ path: 'notes.txt', content: new TextEncoder().encode('just text\n') }]);
  await publish('broken-onnx', [
    ...textClassifier.files.filter((file) => file.path !== 'onnx/model.onnx'),
    { path: 'onnx/model.onnx', content: new Uint8Array(Buffer.from('\x08\x07this is not really a model at all')) },
  ]);
});

after(async () => {
  await server.stop();
  await rm(cacheDir, { recursive: true, force: true });
});

void test('text-classification: every label, scores as computed by hand, one input or a batch', async () => {
  const classify = await pipeline('text-classification', 'admin/tiny-sentiment', options);
  try {
    assert.match(classify.commit, /^[0-9a-f]{40}$/);
    assert.equal(classify.engine, 'onnx');
    const texts = ['The movie was great!', 'Not good.', 'awful awful movie'];
    const batch = await classify(texts);
    assert.equal(batch.length, 3);
    for (const [index, text] of texts.entries()) {
      const expected = textClassifier.expected(text);
      const actual = batch[index] ?? [];
      assert.deepEqual(actual.map((entry) => entry.label), expected.map((entry) => entry.label), text);
      actual.forEach((entry, at) => assert.ok(Math.abs(entry.score - (expected[at]?.score ?? 2)) < TOLERANCE, `${text}: ${entry.score}`));
    }
    // Longer than the model accepts: truncated to model_max_length, as the task allows.
    const long = 'awful '.repeat(3000);
    const truncated = await classify(long);
    assert.ok(Math.abs((truncated[0]?.score ?? 0) - (textClassifier.expected(long)[0]?.score ?? 2)) < TOLERANCE);
    const single = await classify('great great', { top_k: 1 });
    assert.equal(single.length, 1);
    assert.equal(single[0]?.label, 'POSITIVE');
  } finally {
    await classify.dispose();
  }
});

void test('token-classification: entities with word pieces joined and character offsets into the input', async () => {
  const ner = await pipeline('token-classification', 'admin/tiny-ner', options);
  try {
    const text = 'Bob visited Shanghai and Paris';
    const entities = await ner(text);
    const expected = tokenClassifier.expected(text);
    // The oracle lists word pieces; Moda joins `shang` + `##hai` into one word.
    assert.deepEqual(entities.map((entity) => [entity.word, entity.entity]), [['bob', 'B-PER'], ['shanghai', 'B-LOC'], ['paris', 'B-LOC']]);
    for (const entity of entities) assert.equal(text.slice(entity.start, entity.end).toLowerCase(), entity.word);
    const bob = expected.find((entity) => entity.word === 'bob');
    assert.ok(bob && Math.abs((entities[0]?.score ?? 0) - bob.score) < TOLERANCE);
  } finally {
    await ner.dispose();
  }
});

void test('feature-extraction and sentence-similarity: pooled embeddings equal the hand-computed ones', async () => {
  const embed = await pipeline('feature-extraction', 'admin/tiny-embedder', options);
  try {
    for (const pooling of ['mean', 'cls'] as const) {
      for (const normalize of [true, false]) {
        const [first, second] = await embed(['alice met bob', 'paris'], { pooling, normalize });
        for (const [output, text] of [[first, 'alice met bob'], [second, 'paris']] as const) {
          const expected = featureExtractor.expected(text, { pooling, normalize }) as number[];
          assert.equal(output?.embedding.length, expected.length);
          (output?.embedding as number[]).forEach((value, index) => assert.ok(Math.abs(value - (expected[index] ?? 99)) < TOLERANCE, `${pooling}/${normalize} ${text}[${index}]`));
        }
      }
    }
  } finally {
    await embed.dispose();
  }
  const similarity = await pipeline('sentence-similarity', 'admin/tiny-embedder', options);
  try {
    const { scores } = await similarity({ source_sentence: 'alice', sentences: ['alice', 'paris'] });
    const a = featureExtractor.expected('alice', { pooling: 'mean', normalize: true }) as number[];
    const p = featureExtractor.expected('paris', { pooling: 'mean', normalize: true }) as number[];
    const dot = a.reduce((sum, value, index) => sum + value * (p[index] ?? 0), 0);
    assert.ok(Math.abs((scores[0] ?? 0) - 1) < TOLERANCE);
    assert.ok(Math.abs((scores[1] ?? 0) - dot) < TOLERANCE, `${scores[1]} vs ${dot}`);
  } finally {
    await similarity.dispose();
  }
});

void test('image-classification: images as bytes, base64 and data URIs; EXIF orientation honoured', async () => {
  const classify = await pipeline('image-classification', 'admin/tiny-colours', options);
  try {
    const red = await solidColorPng([220, 30, 40], 16, 12);
    const blue = await solidColorPng([10, 20, 250], 16, 12);
    const [fromBytes, fromBase64, fromDataUri] = await classify([new Uint8Array(red), blue.toString('base64'), `data:image/png;base64,${red.toString('base64')}`]);
    for (const [output, rgb] of [[fromBytes, [220, 30, 40]], [fromBase64, [10, 20, 250]], [fromDataUri, [220, 30, 40]]] as const) {
      const expected = imageClassifier.expected(rgb);
      assert.deepEqual(output?.map((entry) => entry.label), expected.map((entry) => entry.label));
      output?.forEach((entry, index) => assert.ok(Math.abs(entry.score - (expected[index]?.score ?? 2)) < TOLERANCE));
    }
    const jpeg = await sharp({ create: { width: 20, height: 10, channels: 3, background: { r: 0, g: 200, b: 0 } } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const [green] = await classify(new Uint8Array(jpeg));
    assert.equal(green?.label, 'green');
  } finally {
    await classify.dispose();
  }
});

void test('bad input: each a clear error with a stable code, and the model keeps working after it', async () => {
  const classify = await pipeline('image-classification', 'admin/tiny-colours', { ...options, maxImagePixels: 10_000 });
  try {
    await rejectsWith(classify(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])), 'IMAGE_DECODE_FAILED');
    await rejectsWith(classify('not base64 at all!'), 'IMAGE_DECODE_FAILED');
    const png = await solidColorPng([1, 2, 3], 64, 64);
    await rejectsWith(classify(new Uint8Array(png.subarray(0, png.length - 30))), 'IMAGE_DECODE_FAILED');
    await rejectsWith(classify(new Uint8Array(await solidColorPng([1, 2, 3], 200, 100))), 'IMAGE_TOO_LARGE');
    await rejectsWith(classify([]), 'BATCH_EMPTY');
    await rejectsWith(classify(42 as never), 'TASK_INPUT_INVALID');
    await rejectsWith(classify(new Uint8Array(png), { top_k: 0 }), 'TASK_INPUT_INVALID');
    await rejectsWith(classify(new Uint8Array(png), { no_such_parameter: 1 } as never), 'TASK_INPUT_INVALID');
    const still = await classify(new Uint8Array(await solidColorPng([250, 0, 0])));
    assert.equal(still?.[0]?.label, 'red');
  } finally {
    await classify.dispose();
  }
  await rejectsWith(pipeline('object-detection', 'admin/tiny-sentiment', options), 'TASK_MISMATCH');
  await rejectsWith(pipeline('no-such-task' as never, 'admin/tiny-sentiment', options), 'TASK_UNKNOWN');
  await rejectsWith(pipeline('text-classification', 'admin/no-model', options), 'MODEL_NOT_RUNNABLE');
  await rejectsWith(pipeline('text-classification', 'admin/broken-onnx', options), 'MODEL_LOAD_FAILED');
  await rejectsWith(pipeline('text-classification', 'admin/does-not-exist', options), 'HUB_REPO_NOT_FOUND');
});

void test('offline: a cached snapshot loads with the server gone, and says so', async () => {
  const home = await mkdtemp(join(tmpdir(), 'moda-offline-'));
  const second = await startTestServer({}, home);
  const offlineCache = await mkdtemp(join(tmpdir(), 'moda-offline-cache-'));
  try {
    const created = await second.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'tiny-sentiment', organization: 'admin' }) });
    assert.equal(created.status, 200);
    await uploadFiles({ repo: 'admin/tiny-sentiment', accessToken: ADMIN_TOKEN, hubUrl: second.url, files: textClassifier.files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
    const online = await pipeline('text-classification', 'admin/tiny-sentiment', { ...options, endpoint: second.url, cacheDir: offlineCache });
    assert.equal(online.offline, false);
    await online.dispose();
    await second.stop();
    const offline = await pipeline('text-classification', 'admin/tiny-sentiment', { ...options, endpoint: second.url, cacheDir: offlineCache });
    try {
      assert.equal(offline.offline, true);
      assert.equal(offline.commit, online.commit);
      const [top] = await offline('great movie');
      assert.equal(top?.label, 'POSITIVE');
    } finally {
      await offline.dispose();
    }
  } finally {
    await rm(home, { recursive: true, force: true });
    await rm(offlineCache, { recursive: true, force: true });
  }
});
