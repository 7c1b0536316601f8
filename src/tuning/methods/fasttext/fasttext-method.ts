// `method: "fasttext"`: a text classifier trained from scratch with fastText's supervised algorithm
// (fasttext.wasm), served by the `fasttext-text-classification` pipeline. Texts are tokenised the
// way the pipeline will (tokenize-for-fasttext.ts); classes become `__label__<index>` so any class
// name works. One thread and a fixed seed: the same params and data give a byte-identical model.
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Type } from '@sinclair/typebox';
import { ModaError } from '../../../errors/moda-error.js';
import { FASTTEXT_TOKENIZER, fastTextLine } from '../../../pipelines/text/tokenize-for-fasttext.js';
import { defineTuneMethod } from '../../tune-method.js';
import type { TrainWorkerInput, TrainWorkerMessage } from './fasttext-train-worker.js';

const FROM_SOURCE = extname(fileURLToPath(import.meta.url)) === '.ts';
const WORKER_PATH = fileURLToPath(new URL(`./fasttext-train-worker${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url));
/**
 * Validation lines a curve point scores; the final metrics use every one. 300 at every epoch took
 * ~5 % of the starter spam filter's train() (predicting a line costs about half of training on it);
 * 100 lines spread over the split, on at most 10 epochs (curve-sample.ts), keep it under 2 %.
 */
const CURVE_SAMPLE = 100;
export const FASTTEXT_MODEL_FILE = 'model.bin';

export const fastTextHyperparameters = Type.Object(
  {
    epochs: Type.Integer({ minimum: 1, maximum: 200, default: 10, description: 'Passes over the training examples' }),
    learning_rate: Type.Number({ exclusiveMinimum: 0, maximum: 5, default: 0.5, description: 'Initial learning rate, decayed linearly to 0' }),
    dim: Type.Integer({ minimum: 2, maximum: 300, default: 50, description: 'Size of the word vectors' }),
    word_ngrams: Type.Integer({ minimum: 1, maximum: 2, default: 2, description: '1: words only; 2: words and word pairs' }),
    buckets: Type.Integer({ minimum: 1000, maximum: 2_000_000, default: 20_000, description: 'Hash buckets for word pairs (model size grows with it)' }),
    min_count: Type.Integer({ minimum: 1, maximum: 1000, default: 1, description: 'Words seen fewer times are dropped' }),
    loss: Type.Union([Type.Literal('softmax'), Type.Literal('hs'), Type.Literal('ova')], { default: 'softmax', description: 'softmax: one class per text; ova: independent scores; hs: faster for many classes' }),
  },
  { additionalProperties: false },
);

/**
 * From source (tests, `npm run dev`) the worker is TypeScript: a worker's `--import` flag does not
 * bring tsx's loader along, so a one-line bootstrap registers it before importing the worker.
 */
function startWorker(input: TrainWorkerInput): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_PATH, { workerData: input });
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(WORKER_PATH).href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: input });
}

function runWorker(input: TrainWorkerInput, signal: AbortSignal, onMessage: (message: Exclude<TrainWorkerMessage, { kind: 'done' }>) => void): Promise<Extract<TrainWorkerMessage, { kind: 'done' }>> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const worker = startWorker(input);
    let done: Extract<TrainWorkerMessage, { kind: 'done' }> | undefined;
    const abort = () => void worker.terminate();
    signal.addEventListener('abort', abort, { once: true });
    worker.on('message', (message: TrainWorkerMessage) => {
      if (message.kind === 'done') done = message;
      else onMessage(message);
    });
    worker.on('error', (error) => {
      signal.removeEventListener('abort', abort);
      reject(new ModaError('TUNE_TRAINING_FAILED', `fastText failed: ${error.message}`, { cause: error }));
    });
    worker.on('exit', () => {
      signal.removeEventListener('abort', abort);
      if (signal.aborted) reject(signal.reason instanceof Error ? signal.reason : new ModaError('JOB_CANCELLED'));
      else if (done) resolve(done);
      else reject(new ModaError('TUNE_TRAINING_FAILED', 'the fastText worker ended without a model'));
    });
  });
}

export const fastTextMethod = defineTuneMethod({
  name: 'fasttext',
  description: 'Text classification trained from scratch with fastText (words and word pairs, linear model); seconds on a CPU',
  task: 'text-classification',
  input: 'text',
  baseModel: 'none',
  hyperparameters: fastTextHyperparameters,
  async train(context) {
    const { hyperparameters: h, labels } = context;
    const index = new Map(labels.map((label, position) => [label, position]));
    const trainLines: string[] = [];
    for (const example of context.train) {
      const tokens = fastTextLine(example.text ?? '');
      trainLines.push(`__label__${index.get(example.label) ?? 0} ${tokens}`);
      if (trainLines.length % 1000 === 0) context.signal.throwIfAborted();
    }
    const validation = context.validation.map((example) => ({ line: fastTextLine(example.text ?? ''), label: index.get(example.label) ?? 0 }));
    context.log(`fastText: ${trainLines.length} training lines, ${validation.length} validation lines, ${h.epochs} epochs, lr ${h.learning_rate}, dim ${h.dim}, wordNgrams ${h.word_ngrams}, bucket ${h.buckets}, loss ${h.loss}, seed ${context.seed}`);
    let lastProgress = 0;
    const result = await runWorker(
      {
        trainText: `${trainLines.join('\n')}\n`,
        validation,
        curveSample: CURVE_SAMPLE,
        labels: labels.length,
        settings: { lr: h.learning_rate, epoch: h.epochs, dim: h.dim, wordNgrams: h.word_ngrams, bucket: h.buckets, minCount: h.min_count, loss: h.loss, seed: context.seed },
      },
      context.signal,
      (message) => {
        if (message.kind === 'epoch') {
          context.report({ epoch: message.epoch, epochs: h.epochs, validationLoss: message.validationLoss, validationAccuracy: message.validationAccuracy, etaSeconds: message.etaSeconds, fraction: message.fraction });
        } else if (message.fraction - lastProgress >= 0.01) {
          lastProgress = message.fraction;
          context.report({ epoch: message.fraction * h.epochs, epochs: h.epochs, etaSeconds: message.etaSeconds, fraction: message.fraction });
        }
      },
    );
    const predictions = result.predictions.map((position) => labels[position] ?? labels[0] ?? '');
    const correct = predictions.filter((label, position) => label === context.validation[position]?.label).length;
    context.report({ epoch: h.epochs, epochs: h.epochs, validationAccuracy: validation.length === 0 ? 0 : correct / validation.length, etaSeconds: 0, fraction: 1 });
    // Over the whole train() call, the curve's scoring included: what a user waits for.
    const wordsPerSecond = result.words / Math.max(1e-9, result.trainSeconds);
    context.log(`fastText: trained in ${result.trainSeconds.toFixed(2)} s (${Math.round(wordsPerSecond)} words/s, ${result.curveSeconds.toFixed(2)} s of it scoring the curve), vocabulary ${result.vocabulary} words`);
    return {
      files: [{ path: FASTTEXT_MODEL_FILE, content: result.model }],
      pipeline: { type: 'fasttext-text-classification', framework: 'fasttext', model: { type: 'fasttext-supervised', file: FASTTEXT_MODEL_FILE, tokenizer: FASTTEXT_TOKENIZER, labels: [...labels], top_k: Math.min(5, labels.length) } },
      predictions,
      stats: { train_seconds: round(result.trainSeconds), curve_seconds: round(result.curveSeconds), words_per_second: Math.round(wordsPerSecond), vocabulary: result.vocabulary, training_words: result.words },
    };
  },
});

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
