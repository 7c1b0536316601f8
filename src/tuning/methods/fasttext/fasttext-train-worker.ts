// The worker thread that runs fastText's training: `train()` is synchronous and holds its thread for
// the whole run, so it runs here and the job process stays free to pass progress on and to stop it
// (worker.terminate() ends it at once). At epoch boundaries (at most 10 of them, curve-sample.ts) the
// callback scores an evenly spread sample of the validation lines on the model being trained
// (predict reads the same matrices): the curve. That scoring sits on the training thread's path, so
// it is kept small: 300 lines at every epoch cost ~5 % of the starter spam filter's training.
import { parentPort, workerData } from 'node:worker_threads';
import { scoresEpoch, spreadSample } from './curve-sample.js';
import { openFastTextCore, readVector, supervisedArgs, type SupervisedSettings } from './fasttext-core.js';

export interface TrainWorkerInput {
  /** The training file: one `__label__<i> tokens…` line per example. */
  trainText: string;
  /** Token lines of the validation examples and their class indices. */
  validation: { line: string; label: number }[];
  /** How many validation lines a curve point scores, spread evenly over them (the final pass scores them all). */
  curveSample: number;
  labels: number;
  settings: SupervisedSettings;
}

export type TrainWorkerMessage =
  | { kind: 'epoch'; epoch: number; fraction: number; validationLoss: number; validationAccuracy: number; etaSeconds: number; wordsPerSecond: number }
  | { kind: 'progress'; fraction: number; etaSeconds: number; wordsPerSecond: number }
  | { kind: 'done'; model: Uint8Array; predictions: number[]; trainSeconds: number; curveSeconds: number; words: number; vocabulary: number };

const LABEL = /^__label__(\d+)$/;
/**
 * fastText calls back every 64 lines (~380 times for the starter spam filter); the job passes on
 * 1 % steps only, so the worker posts no more than that: each post wakes the job process's thread,
 * which competes with this one for a core on a small machine.
 */
const PROGRESS_STEP = 0.01;
/** ...and at most this often: a short run's 1 % steps come every few milliseconds. */
const PROGRESS_MIN_MS = 200;
/** Scores lines with the model as it is now: mean negative log-likelihood and accuracy. */
function score(predict: (line: string) => [number, string][], lines: readonly { line: string; label: number }[]): { loss: number; accuracy: number; predicted: number[] } {
  let loss = 0;
  let correct = 0;
  const predicted: number[] = [];
  for (const { line, label } of lines) {
    const scores = predict(line);
    let best = -1;
    let bestScore = -1;
    let trueScore = 0;
    for (const [probability, name] of scores) {
      const index = Number(LABEL.exec(name)?.[1] ?? -1);
      if (probability > bestScore) {
        bestScore = probability;
        best = index;
      }
      if (index === label) trueScore = probability;
    }
    // fastText adds 1e-5 inside its log; the same floor keeps an empty line's loss finite.
    loss -= Math.log(Math.max(trueScore, 1e-5));
    if (best === label) correct++;
    predicted.push(best);
  }
  return { loss: lines.length === 0 ? 0 : loss / lines.length, accuracy: lines.length === 0 ? 0 : correct / lines.length, predicted };
}

async function main(input: TrainWorkerInput): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const core = await openFastTextCore();
  core.FS.writeFile('/train.txt', input.trainText);
  const args = supervisedArgs(core, '/train.txt', input.settings);
  const fastText = new core.FastText();
  const predict = (line: string) => readVector(fastText.predict(line, -1, 0));
  const sample = spreadSample(input.validation, input.curveSample);
  let epochsDone = 0;
  let lastPosted = -1;
  let lastPostedAt = 0;
  let curveSeconds = 0;
  const started = performance.now();
  fastText.train(args, (progress, _loss, wordsPerSecondPerThread, _lr, eta) => {
    const epoch = Math.min(input.settings.epoch, Math.floor(progress * input.settings.epoch + 1e-9));
    const now = performance.now();
    if (epoch > epochsDone && scoresEpoch(epoch, input.settings.epoch)) {
      epochsDone = epoch;
      const { loss, accuracy } = score(predict, sample);
      curveSeconds += (performance.now() - now) / 1000;
      lastPosted = progress;
      lastPostedAt = performance.now();
      port.postMessage({ kind: 'epoch', epoch, fraction: progress, validationLoss: loss, validationAccuracy: accuracy, etaSeconds: eta, wordsPerSecond: wordsPerSecondPerThread } satisfies TrainWorkerMessage);
    } else if (progress - lastPosted >= PROGRESS_STEP && now - lastPostedAt >= PROGRESS_MIN_MS) {
      lastPosted = progress;
      lastPostedAt = now;
      port.postMessage({ kind: 'progress', fraction: progress, etaSeconds: eta, wordsPerSecond: wordsPerSecondPerThread } satisfies TrainWorkerMessage);
    }
  });
  const trainSeconds = (performance.now() - started) / 1000;
  fastText.saveModel('/model.bin');
  const model = core.FS.readFile('/model.bin');
  const words = input.trainText.split(/\s+/).filter((token) => token !== '' && !token.startsWith('__label__')).length * input.settings.epoch;
  const [vocabularyWords, counts] = fastText.getWords();
  const vocabulary = readVector(vocabularyWords).length;
  counts.delete();
  const { predicted } = score(predict, input.validation);
  const copy = model.slice();
  port.postMessage({ kind: 'done', model: copy, predictions: predicted, trainSeconds, curveSeconds, words, vocabulary } satisfies TrainWorkerMessage, [copy.buffer]);
}

await main(workerData as TrainWorkerInput);
