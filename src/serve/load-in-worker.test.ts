// A model in a worker thread, through its public face: load errors keep their code, a batch runs
// and its errors cross back as ModaErrors, and nothing hangs once the model is disposed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogSnapshot } from '../../test/helpers/catalog-snapshot.js';
import { isModaError } from '../errors/moda-error.js';
import { loadInWorker } from './load-in-worker.js';

const context = { maxImagePixels: 1_000_000, fetch: globalThis.fetch };

void test('an unknown pipeline type fails the load with MODEL_NOT_RUNNABLE, not a hang', async () => {
  const snapshot = await catalogSnapshot('word-segmentation-jieba-zh');
  await assert.rejects(loadInWorker({ snapshot, implementationType: 'no-such-pipeline', task: 'word-segmentation', device: 'cpu', threads: 1 }), (error) => isModaError(error) && error.code === 'MODEL_NOT_RUNNABLE');
});

void test('a worker runs batches, reports errors with their code, and refuses work once disposed', async () => {
  const snapshot = await catalogSnapshot('word-segmentation-jieba-zh');
  const model = await loadInWorker({ snapshot, implementationType: 'jieba-word-segmentation', task: 'word-segmentation', device: 'cpu', threads: 1 });
  try {
    assert.notEqual(model.threadId, 0, 'the model lives off the main thread');
    const [output] = (await model.run(['我爱北京天安门'], {}, context)) as { tokens: { word: string }[] }[];
    assert.ok(output?.tokens.some((token) => token.word === '天安门'), JSON.stringify(output));
    await assert.rejects(model.run([42], {}, context), (error) => isModaError(error) && error.status < 600);
  } finally {
    await model.dispose();
  }
  assert.equal(model.broken, false, 'a disposed worker is not a crashed one');
  await assert.rejects(model.run(['还在吗'], {}, context), (error) => isModaError(error) && error.code === 'MODEL_INFERENCE_FAILED');
});
