// The head trainer learns separable clusters, stops early when the validation loss only rises, keeps
// the best epoch's weights, gives byte-identical weights for the same seed, and its saved model
// loads back into tfjs with the same answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { artifactsFrom, loadTfjsLayersModel, tf } from '../../runtime/engines/tfjs-engine.js';
import { seededRandom } from '../split-validation.js';
import { DEFAULT_HEAD_HYPERPARAMETERS, trainHead, type HeadTrainingData, type LabelledEmbeddings } from './train-head.js';

const DIMENSIONS = 8;
const CLASSES = 3;

/** `perClass` points around a distinct corner per class, with seeded noise. */
function clusters(perClass: number, seed: number, relabel: (label: number) => number = (label) => label): LabelledEmbeddings {
  const random = seededRandom(seed);
  const vectors = new Float32Array(perClass * CLASSES * DIMENSIONS);
  const labels = new Int32Array(perClass * CLASSES);
  for (let row = 0; row < perClass * CLASSES; row++) {
    const label = row % CLASSES;
    labels[row] = relabel(label);
    for (let index = 0; index < DIMENSIONS; index++) vectors[row * DIMENSIONS + index] = (index % CLASSES === label ? 2 : 0) + (random() - 0.5) * 0.6;
  }
  return { vectors, labels };
}

const data = (validation: LabelledEmbeddings): HeadTrainingData => ({ dimensions: DIMENSIONS, classes: CLASSES, train: clusters(20, 1), validation });

void test('a head learns separable clusters and reports each epoch', async () => {
  const epochs: number[] = [];
  const steps: number[] = [];
  const trained = await trainHead(data(clusters(5, 2)), { ...DEFAULT_HEAD_HYPERPARAMETERS, epochs: 40, learningRate: 0.01 }, {
    onEpoch(epoch, total) {
      assert.equal(total, 40);
      epochs.push(epoch.epoch);
      steps.push(epoch.step);
      assert.ok(Number.isFinite(epoch.loss) && Number.isFinite(epoch.validationLoss));
    },
  });
  assert.deepEqual(epochs, trained.history.map((epoch) => epoch.epoch));
  // 60 rows in batches of 16: 4 steps an epoch.
  assert.deepEqual(steps, epochs.map((epoch) => epoch * 4));
  assert.equal(trained.steps, epochs.length * 4);
  const best = trained.history[trained.bestEpoch - 1]!;
  assert.equal(best.validationLoss, Math.min(...trained.history.map((epoch) => epoch.validationLoss)));
  assert.equal(best.validationAccuracy, 1);
  assert.ok(trained.history.at(-1)!.loss < trained.history[0]!.loss, 'the training loss falls');
});

void test('validation that only gets worse stops training after `patience` epochs and keeps epoch 1', async () => {
  // Validation labels are the training ones shifted: the better the fit, the worse the validation loss.
  const trained = await trainHead(data(clusters(5, 3, (label) => (label + 1) % CLASSES)), { ...DEFAULT_HEAD_HYPERPARAMETERS, epochs: 50, patience: 3, learningRate: 0.05 });
  assert.equal(trained.bestEpoch, 1);
  assert.equal(trained.history.length, 4);
  assert.equal(trained.stoppedEarly, true);
});

void test('the same seed gives byte-identical weights; another seed does not', async () => {
  const hyper = { ...DEFAULT_HEAD_HYPERPARAMETERS, epochs: 5, hiddenUnits: 6 };
  const [first, second, other] = [await trainHead(data(clusters(5, 2)), hyper), await trainHead(data(clusters(5, 2)), hyper), await trainHead(data(clusters(5, 2)), { ...hyper, seed: 7 })];
  assert.deepEqual(Buffer.from(first.weights), Buffer.from(second.weights));
  assert.equal(JSON.stringify(first.modelJson), JSON.stringify(second.modelJson));
  assert.notDeepEqual(Buffer.from(first.weights), Buffer.from(other.weights));
});

void test('the saved head loads back with tfjs and gives probabilities', async () => {
  const trained = await trainHead(data(clusters(5, 2)), { ...DEFAULT_HEAD_HYPERPARAMETERS, epochs: 30, learningRate: 0.01 });
  const manifest = trained.modelJson.weightsManifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  assert.deepEqual(manifest[0]!.paths, ['head.weights.bin']);
  const buffer = trained.weights.buffer.slice(trained.weights.byteOffset, trained.weights.byteOffset + trained.weights.byteLength) as ArrayBuffer;
  const head = await loadTfjsLayersModel(artifactsFrom(trained.modelJson, manifest[0]!.weights, buffer));
  try {
    const probe = clusters(1, 9);
    const scores = tf.tidy(() => (head.model.predict(tf.tensor2d(probe.vectors, [CLASSES, DIMENSIONS])) as tf.Tensor).arraySync() as number[][]);
    scores.forEach((row, index) => {
      assert.ok(Math.abs(row.reduce((sum, value) => sum + value, 0) - 1) < 1e-5);
      assert.equal(row.indexOf(Math.max(...row)), probe.labels[index]);
    });
  } finally {
    head.dispose();
  }
});

void test('an aborted signal stops training; bad shapes are refused', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(trainHead(data(clusters(5, 2)), DEFAULT_HEAD_HYPERPARAMETERS, { signal: controller.signal }));
  await assert.rejects(trainHead({ ...data(clusters(5, 2)), classes: 1 }, DEFAULT_HEAD_HYPERPARAMETERS), (error: Error & { code?: string }) => error.code === 'VALIDATION_FAILED');
  const leaked = tf.memory().numTensors;
  await trainHead(data(clusters(5, 2)), { ...DEFAULT_HEAD_HYPERPARAMETERS, epochs: 2 });
  assert.equal(tf.memory().numTensors, leaked, 'training leaves no tensors behind');
});
