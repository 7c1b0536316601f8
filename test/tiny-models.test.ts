// Proves the in-memory tiny model is something transformers.js really loads and runs, and that
// expected() predicts its output, so other tests can rely on both without re-checking.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { env, pipeline } from '@huggingface/transformers';
import type { TextClassificationPipeline } from '@huggingface/transformers';
import { tinyTextClassifier } from './fixtures/tiny-models.js';
import type { LabelScore } from './fixtures/tiny-models.js';

const MODEL_NAME = 'tiny-text-classifier';
const TOLERANCE = 1e-4;

const model = tinyTextClassifier();
let root = '';
let classifier: TextClassificationPipeline | undefined;

function assertScores(actual: readonly LabelScore[], expected: readonly LabelScore[], text: string): void {
  assert.deepEqual(
    actual.map((r) => r.label),
    expected.map((r) => r.label),
    `labels for ${JSON.stringify(text)}`,
  );
  actual.forEach((r, i) => {
    const want = expected[i]?.score ?? Number.NaN;
    assert.ok(
      Math.abs(r.score - want) <= TOLERANCE,
      `score of ${r.label} for ${JSON.stringify(text)}: got ${r.score}, expected ${want}`,
    );
  });
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'moda-tiny-models-'));
  for (const file of model.files) {
    const target = join(root, MODEL_NAME, file.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.content);
  }
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = root;
  // fp32 is already the CPU default, but naming it pins the file to onnx/model.onnx rather than
  // onnx/model_quantized.onnx (the default on wasm), which this fixture does not ship.
  classifier = await pipeline('text-classification', MODEL_NAME, { dtype: 'fp32', device: 'cpu' });
});

after(async () => {
  await classifier?.dispose();
  if (root !== '') await rm(root, { recursive: true, force: true });
});

function loaded(): TextClassificationPipeline {
  assert.ok(classifier, 'pipeline failed to load');
  return classifier;
}

void test('top label and score match expected() for single sentences', async () => {
  for (const text of ['The movie was great!', 'The movie was awful.', 'Not good.']) {
    const result = await loaded()(text);
    assertScores(result, model.expected(text).slice(0, 1), text);
  }
  assert.equal(model.expected('The movie was great!')[0]?.label, 'POSITIVE');
  assert.equal(model.expected('The movie was awful.')[0]?.label, 'NEGATIVE');
  assert.equal(model.expected('Not good.')[0]?.label, 'NEGATIVE');
});

void test('all labels match expected() in a padded batch', async () => {
  // Different lengths force padding, so this also checks attention_mask reaches the graph.
  const texts = ['Good', 'the movie was not bad , it was GREAT and good !', 'unheard-of words only'];
  const results = await loaded()(texts, { top_k: null });
  assert.equal(results.length, texts.length);
  texts.forEach((text, i) => {
    const actual = results[i];
    assert.ok(actual, `no result for ${JSON.stringify(text)}`);
    assert.equal(actual.length, 2);
    assertScores(actual, model.expected(text), text);
  });
});
