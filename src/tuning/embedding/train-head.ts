// Trains a classifier head on frozen embeddings with TensorFlow.js (the wasm backend): an optional
// hidden ReLU layer, then dense → softmax, Adam, mini-batches in a seeded order, early stopping on
// the validation loss with the best epoch's weights kept. Pure: embeddings in, a tfjs layers model
// (model.json + weights) and its curve out; the caller decides where they go.
//
// Reproducibility: initial weights come from tfjs' seeded Glorot initialiser and batches from a
// seeded shuffle, and the wasm backend runs single-threaded, so the same data, hyperparameters and
// seed give byte-identical weights on one machine; across CPUs, a wasm build with and without SIMD
// can round float sums differently.
import * as tfl from '@tensorflow/tfjs-layers';
import { tf, tfjsBackend } from '../../runtime/engines/tfjs-engine.js';
import { ModaError } from '../../errors/moda-error.js';
import { seededRandom, shuffle } from '../split-validation.js';
import type { HeadHyperparameters } from './head-hyperparameters.js';

export { DEFAULT_HEAD_HYPERPARAMETERS, type HeadHyperparameters } from './head-hyperparameters.js';


/** Row-major [rows, dimensions] embeddings with their class indices. */
export interface LabelledEmbeddings {
  vectors: Float32Array;
  labels: Int32Array;
}

export interface HeadTrainingData {
  dimensions: number;
  classes: number;
  train: LabelledEmbeddings;
  validation: LabelledEmbeddings;
}

export interface HeadEpoch {
  epoch: number;
  /** Optimizer steps so far. */
  step: number;
  loss: number;
  validationLoss: number;
  validationAccuracy: number;
}

export interface TrainedHead {
  /** The tfjs layers `model.json`, its weights manifest naming `weightsFile`. */
  modelJson: Record<string, unknown>;
  weights: Uint8Array;
  weightsFile: string;
  history: HeadEpoch[];
  /** The epoch whose weights were kept (lowest validation loss). */
  bestEpoch: number;
  stoppedEarly: boolean;
  steps: number;
  /** Time in optimizer steps only, for steps/s. */
  trainMs: number;
  /** The kept weights' class for each validation row. */
  validationPredictions: Int32Array;
}

export interface TrainHeadOptions {
  onEpoch?: (epoch: HeadEpoch, total: number) => void;
  signal?: AbortSignal;
  /** Default `head.weights.bin`. */
  weightsFile?: string;
}

function oneHot(labels: Int32Array, classes: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), 'float32') as tf.Tensor2D);
}

/** The head as a tfjs Sequential model; layer names are fixed so model.json does not depend on how many models this process made before. */
export function buildHead(dimensions: number, classes: number, hiddenUnits: number, seed: number): tfl.Sequential {
  const layers: ReturnType<typeof tfl.layers.dense>[] = [];
  if (hiddenUnits > 0) {
    layers.push(tfl.layers.dense({ name: 'hidden', inputShape: [dimensions], units: hiddenUnits, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed }), biasInitializer: 'zeros' }));
  }
  layers.push(
    tfl.layers.dense({
      name: 'classes',
      ...(hiddenUnits > 0 ? {} : { inputShape: [dimensions] }),
      units: classes,
      activation: 'softmax',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }),
      biasInitializer: 'zeros',
    }),
  );
  return tfl.sequential({ name: 'head', layers });
}

function crossEntropy(labels: tf.Tensor, probabilities: tf.Tensor): tf.Scalar {
  return tf.mean(tfl.metrics.categoricalCrossentropy(labels, probabilities));
}

async function serialize(model: tfl.Sequential, weightsFile: string): Promise<{ modelJson: Record<string, unknown>; weights: Uint8Array }> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler((artifacts) => {
      saved = artifacts;
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } });
    }),
  );
  if (!saved?.weightSpecs || !saved.weightData) throw new ModaError('INTERNAL', 'tfjs saved the head without weights');
  const data = saved.weightData instanceof ArrayBuffer ? saved.weightData : tf.io.concatenateArrayBuffers(saved.weightData);
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: saved.generatedBy ?? null,
      convertedBy: null,
      // The Keras converter's layout (`model_config` inside), which every tfjs loader reads.
      modelTopology: { model_config: saved.modelTopology, keras_version: 'tfjs-layers', backend: 'tensor_flow.js' },
      weightsManifest: [{ paths: [weightsFile], weights: saved.weightSpecs }],
    },
    weights: new Uint8Array(data),
  };
}

function check(data: HeadTrainingData, hyper: HeadHyperparameters): void {
  const { dimensions, classes, train, validation } = data;
  if (!(dimensions > 0) || !(classes >= 2)) throw new ModaError('VALIDATION_FAILED', `a head needs embeddings and at least 2 classes, got ${dimensions} dimensions and ${classes} classes`);
  for (const [name, part] of [['train', train], ['validation', validation]] as const) {
    if (part.vectors.length !== part.labels.length * dimensions) throw new ModaError('INTERNAL', `${name}: ${part.vectors.length} values for ${part.labels.length} rows of ${dimensions}`);
    if (part.labels.some((label) => label < 0 || label >= classes)) throw new ModaError('INTERNAL', `${name}: a label outside 0…${classes - 1}`);
  }
  if (train.labels.length === 0) throw new ModaError('VALIDATION_FAILED', 'no training examples');
  if (!(hyper.batchSize >= 1 && hyper.epochs >= 1 && hyper.learningRate > 0)) throw new ModaError('VALIDATION_FAILED', 'epochs, batch size and learning rate must be positive');
}

export async function trainHead(data: HeadTrainingData, hyper: HeadHyperparameters, options: TrainHeadOptions = {}): Promise<TrainedHead> {
  check(data, hyper);
  await tfjsBackend();
  const { dimensions, classes, train, validation } = data;
  const weightsFile = options.weightsFile ?? 'head.weights.bin';
  const rows = train.labels.length;
  const model = buildHead(dimensions, classes, hyper.hiddenUnits, hyper.seed);
  const optimizer = tf.train.adam(hyper.learningRate);
  const trainX = tf.tensor2d(train.vectors, [rows, dimensions]);
  const trainY = oneHot(train.labels, classes);
  const hasValidation = validation.labels.length > 0;
  const validationX = hasValidation ? tf.tensor2d(validation.vectors, [validation.labels.length, dimensions]) : trainX;
  const validationY = hasValidation ? oneHot(validation.labels, classes) : trainY;
  const random = seededRandom(hyper.seed);
  const history: HeadEpoch[] = [];
  let best: { loss: number; epoch: number; weights: tf.Tensor[] } | undefined;
  let steps = 0;
  let trainMs = 0;
  let stoppedEarly = false;
  try {
    for (let epoch = 1; epoch <= hyper.epochs; epoch++) {
      const order = Int32Array.from(shuffle(Array.from({ length: rows }, (_, index) => index), random));
      let lossSum = 0;
      let batches = 0;
      for (let start = 0; start < rows; start += hyper.batchSize) {
        options.signal?.throwIfAborted();
        const began = performance.now();
        const indices = tf.tensor1d(order.subarray(start, Math.min(rows, start + hyper.batchSize)), 'int32');
        const loss = optimizer.minimize(() => crossEntropy(tf.gather(trainY, indices), model.apply(tf.gather(trainX, indices)) as tf.Tensor), true);
        indices.dispose();
        lossSum += (await loss!.data())[0]!;
        loss!.dispose();
        trainMs += performance.now() - began;
        steps++;
        batches++;
      }
      const [validationLoss, validationAccuracy] = tf.tidy(() => {
        const probabilities = model.predict(validationX) as tf.Tensor;
        const accuracy = tf.mean(tfl.metrics.categoricalAccuracy(validationY, probabilities));
        return [crossEntropy(validationY, probabilities).dataSync()[0]!, accuracy.dataSync()[0]!];
      });
      const report: HeadEpoch = { epoch, step: steps, loss: lossSum / batches, validationLoss, validationAccuracy };
      history.push(report);
      options.onEpoch?.(report, hyper.epochs);
      if (!best || validationLoss < best.loss) {
        best?.weights.forEach((tensor) => tensor.dispose());
        best = { loss: validationLoss, epoch, weights: model.getWeights().map((tensor) => tensor.clone()) };
      } else if (epoch - best.epoch >= hyper.patience) {
        stoppedEarly = epoch < hyper.epochs;
        break;
      }
    }
    if (best) model.setWeights(best.weights);
    const validationPredictions = hasValidation ? tf.tidy(() => tf.argMax(model.predict(validationX) as tf.Tensor, -1).dataSync() as Int32Array) : new Int32Array(0);
    const { modelJson, weights } = await serialize(model, weightsFile);
    return { modelJson, weights, weightsFile, history, bestEpoch: best?.epoch ?? history.length, stoppedEarly, steps, trainMs, validationPredictions: Int32Array.from(validationPredictions) };
  } finally {
    best?.weights.forEach((tensor) => tensor.dispose());
    tf.dispose([trainX, trainY, ...(hasValidation ? [validationX, validationY] : [])]);
    optimizer.dispose();
    model.dispose();
  }
}
