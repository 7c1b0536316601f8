// Proves the tiny token-classification, feature-extraction and image-classification models are
// things transformers.js really loads from a local folder, and that each oracle predicts the
// pipeline's output, so Moda's tests can rely on both without re-checking.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline, RawImage } from '@huggingface/transformers';
import type {
  FeatureExtractionPipeline,
  ImageClassificationPipeline,
  TokenClassificationPipeline,
} from '@huggingface/transformers';
import {
  solidColorPng,
  tinyFeatureExtractor,
  tinyImageClassifier,
  tinyTokenClassifier,
} from './fixtures/tiny-task-models.js';
import type { Rgb, TokenEntity } from './fixtures/tiny-task-models.js';
import type { LabelScore, ModelFile } from './fixtures/tiny-models.js';

const TOLERANCE = 1e-4;
// An absolute path is read as a local folder, so no global `env` needs changing.
const LOAD_OPTIONS = { local_files_only: true, dtype: 'fp32', device: 'cpu' } as const;

const ner = tinyTokenClassifier();
const embedder = tinyFeatureExtractor();
const colors = tinyImageClassifier();

let root = '';
let nerPipeline: TokenClassificationPipeline | undefined;
let embedPipeline: FeatureExtractionPipeline | undefined;
let colorPipeline: ImageClassificationPipeline | undefined;

async function writeModel(name: string, files: readonly ModelFile[]): Promise<string> {
  const dir = join(root, name);
  for (const file of files) {
    const target = join(dir, file.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.content);
  }
  return dir;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'moda-tiny-task-models-'));
  nerPipeline = await pipeline('token-classification', await writeModel('ner', ner.files), LOAD_OPTIONS);
  embedPipeline = await pipeline('feature-extraction', await writeModel('embedder', embedder.files), LOAD_OPTIONS);
  colorPipeline = await pipeline('image-classification', await writeModel('colors', colors.files), LOAD_OPTIONS);
});

after(async () => {
  await Promise.all([nerPipeline?.dispose(), embedPipeline?.dispose(), colorPipeline?.dispose()]);
  if (root !== '') await rm(root, { recursive: true, force: true });
});

function loaded<T>(value: T | undefined): T {
  assert.ok(value, 'pipeline failed to load');
  return value;
}

function assertClose(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= TOLERANCE, `${what}: got ${actual}, expected ${expected}`);
}

/** Compares nested number arrays of the same shape within TOLERANCE. */
function assertAllClose(actual: unknown, expected: unknown, what: string): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${what}: expected an array`);
    assert.equal(actual.length, expected.length, `${what}: length`);
    expected.forEach((value, i) => assertAllClose(actual[i], value, `${what}[${i}]`));
    return;
  }
  assert.equal(typeof actual, 'number', `${what}: expected a number`);
  assertClose(actual as number, expected as number, what);
}

function assertEntities(actual: readonly object[], expected: readonly TokenEntity[], text: string): void {
  // Exactly these keys: the raw pipeline output has no start/end (transformers.js v4 TODO).
  assert.deepEqual(
    actual.map((entity) => Object.keys(entity).sort()),
    expected.map(() => ['entity', 'index', 'score', 'word']),
    `keys for ${JSON.stringify(text)}`,
  );
  const strip = (entities: readonly object[]): unknown[] =>
    entities.map((entity) => ({ ...entity, score: undefined }));
  assert.deepEqual(strip(actual), strip(expected), `entities for ${JSON.stringify(text)}`);
  actual.forEach((entity, i) => {
    assertClose((entity as TokenEntity).score, expected[i]?.score ?? Number.NaN, `score ${i} for ${JSON.stringify(text)}`);
  });
}

function assertScores(actual: readonly LabelScore[], expected: readonly LabelScore[], what: string): void {
  assert.deepEqual(
    actual.map((r) => r.label),
    expected.map((r) => r.label),
    `labels for ${what}`,
  );
  actual.forEach((r, i) => assertClose(r.score, expected[i]?.score ?? Number.NaN, `score of ${r.label} for ${what}`));
}

const NER_TEXTS = [
  'My name is Alice Smith and I live in New York.',
  'Bob visited Shanghai, Paris and Beijing!',
  'nobody here',
];

void test('token-classification entities match expected() for single texts', async () => {
  for (const text of NER_TEXTS) {
    assertEntities(await loaded(nerPipeline)(text), ner.expected(text), text);
  }
  assert.deepEqual(
    ner.expected('Bob visited Shanghai').map(({ entity, index, word }) => [entity, index, word]),
    [
      ['B-PER', 1, 'bob'],
      ['B-LOC', 3, 'shang'],
      ['I-LOC', 4, '##hai'],
    ],
  );
  assert.deepEqual(ner.expected('nobody here'), []);
});

void test('token-classification entities match expected() in a padded batch', async () => {
  // The short text is padded with the loud [PAD] row; none of it may surface as an entity.
  const texts = ['Alice', ...NER_TEXTS];
  const results = await loaded(nerPipeline)(texts);
  assert.equal(results.length, texts.length);
  texts.forEach((text, i) => assertEntities(results[i] ?? [], ner.expected(text), text));
});

void test('feature-extraction tensors match expected() for every pooling', async () => {
  const extract = loaded(embedPipeline);
  for (const text of ['Hello world!', 'the cat and a kitten', 'A dog.']) {
    for (const normalize of [false, true]) {
      const what = `${JSON.stringify(text)} normalize=${normalize}`;
      const none = await extract(text, { pooling: 'none', normalize });
      const tokens = embedder.expected(text, { pooling: 'none', normalize });
      assert.deepEqual(none.dims, [1, tokens.length, 4], `none dims for ${what}`);
      assertAllClose(none.tolist(), [tokens], `none for ${what}`);
      for (const pooling of ['mean', 'cls'] as const) {
        const pooled = await extract(text, { pooling, normalize });
        assert.deepEqual(pooled.dims, [1, 4], `${pooling} dims for ${what}`);
        assertAllClose(pooled.tolist(), [embedder.expected(text, { pooling, normalize })], `${pooling} for ${what}`);
      }
    }
  }
});

void test('feature-extraction mean pooling ignores padding in a batch', async () => {
  const texts = ['hello', 'the cat and the dog!'];
  const extract = loaded(embedPipeline);
  const pooled = await extract(texts, { pooling: 'mean', normalize: true });
  assert.deepEqual(pooled.dims, [2, 4]);
  assertAllClose(
    pooled.tolist(),
    texts.map((text) => embedder.expected(text, { pooling: 'mean', normalize: true })),
    'batched mean',
  );
  const tokens = await extract(texts, { pooling: 'none' });
  const longest = Math.max(...texts.map((text) => embedder.expected(text, { pooling: 'none' }).length));
  assert.deepEqual(tokens.dims, [2, longest, 4]);
  const rows = tokens.tolist() as number[][][];
  texts.forEach((text, i) => {
    const want = embedder.expected(text, { pooling: 'none' });
    assertAllClose(rows[i]?.slice(0, want.length), want, `batched none ${JSON.stringify(text)}`);
  });
});

void test('image-classification scores match expected() for solid colours of any size', async () => {
  const cases: [Rgb, number, number][] = [
    [[255, 0, 0], 4, 4],
    [[0, 255, 0], 7, 5],
    [[0, 0, 255], 33, 17],
    [[10, 200, 120], 640, 480],
    [[128, 128, 128], 5, 4],
  ];
  for (const [rgb, width, height] of cases) {
    const png = await solidColorPng(rgb, width, height);
    const result = await loaded(colorPipeline)(new Blob([png]));
    assertScores(result, colors.expected(rgb), `rgb(${rgb.join(',')}) ${width}x${height}`);
  }
  assert.equal(colors.expected([255, 0, 0])[0]?.label, 'red');
  assert.equal(colors.expected([0, 255, 0])[0]?.label, 'green');
  assert.equal(colors.expected([0, 0, 255])[0]?.label, 'blue');
});

void test('image-classification scores match expected() in a batch', async () => {
  const rgbs: Rgb[] = [
    [200, 30, 30],
    [30, 30, 200],
  ];
  const images = await Promise.all(
    rgbs.map(async (rgb) => RawImage.fromBlob(new Blob([await solidColorPng(rgb, 12, 9)]))),
  );
  const results = await loaded(colorPipeline)(images, { top_k: null });
  assert.equal(results.length, rgbs.length);
  rgbs.forEach((rgb, i) => assertScores(results[i] ?? [], colors.expected(rgb), `rgb(${rgb.join(',')})`));
});
