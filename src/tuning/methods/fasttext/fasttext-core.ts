// The part of fasttext.wasm's emscripten core that training uses, typed: its published types cover
// only loading and predicting. `new Args()` holds the unsupervised defaults; trainFastText sets
// every supervised one itself.
import { FastText } from 'fasttext.wasm';

export interface FastTextArgs {
  input: string;
  output: string;
  lr: number;
  lrUpdateRate: number;
  dim: number;
  ws: number;
  epoch: number;
  minCount: number;
  minCountLabel: number;
  neg: number;
  wordNgrams: number;
  loss: unknown;
  model: unknown;
  bucket: number;
  minn: number;
  maxn: number;
  thread: number;
  t: number;
  label: string;
  verbose: number;
  seed: number;
  pretrainedVectors: string;
  saveOutput: boolean;
  delete?(): void;
}

export interface FastTextVector<T> {
  size(): number;
  get(index: number): T;
  delete(): void;
}

export interface FastTextTrainer {
  train(args: FastTextArgs, callback: (progress: number, loss: number, wordsPerSecondPerThread: number, lr: number, eta: number) => void): void;
  saveModel(path: string): void;
  loadModel(path: string): void;
  predict(text: string, k: number, threshold: number): FastTextVector<[number, string]>;
  /** The words and their counts. */
  getWords(): [FastTextVector<string>, FastTextVector<number>];
  getLabels(): [FastTextVector<string>, FastTextVector<number>];
  delete?(): void;
}

export interface FastTextCoreModule {
  Args: new () => FastTextArgs;
  FastText: new () => FastTextTrainer;
  ModelName: { supervised: unknown };
  LossName: { softmax: unknown; hs: unknown; ns: unknown; ova: unknown };
  FS: { writeFile(path: string, data: string | Uint8Array): void; readFile(path: string): Uint8Array; unlink(path: string): void };
}

/** A fresh wasm instance (its own heap): one per training. */
export async function openFastTextCore(): Promise<FastTextCoreModule> {
  const instance = await FastText.create();
  return instance.core as unknown as FastTextCoreModule;
}

/** The supervised hyperparameters both the job and the benchmark's direct call give fastText. */
export interface SupervisedSettings {
  lr: number;
  epoch: number;
  dim: number;
  wordNgrams: number;
  bucket: number;
  minCount: number;
  loss: 'softmax' | 'hs' | 'ova';
  seed: number;
}

/** Args for supervised training on `input`, every field set (never the unsupervised defaults). */
export function supervisedArgs(core: FastTextCoreModule, input: string, settings: SupervisedSettings): FastTextArgs {
  const args = new core.Args();
  args.input = input;
  args.output = '/model';
  args.model = core.ModelName.supervised;
  args.loss = core.LossName[settings.loss];
  args.lr = settings.lr;
  args.lrUpdateRate = 100;
  args.dim = settings.dim;
  args.ws = 5;
  args.epoch = settings.epoch;
  args.minCount = settings.minCount;
  args.minCountLabel = 0;
  args.neg = 5;
  args.wordNgrams = settings.wordNgrams;
  args.bucket = settings.bucket;
  // Character n-grams off: the classifier then matches fastText's own and exports cleanly.
  args.minn = 0;
  args.maxn = 0;
  // One thread: hogwild updates from several would make the weights depend on timing.
  args.thread = 1;
  args.t = 1e-4;
  args.label = '__label__';
  args.verbose = 0;
  args.seed = settings.seed;
  args.pretrainedVectors = '';
  args.saveOutput = false;
  return args;
}

/** Reads an emscripten vector into an array and frees it. */
export function readVector<T>(vector: FastTextVector<T>): T[] {
  const values: T[] = [];
  for (let index = 0; index < vector.size(); index++) values.push(vector.get(index));
  vector.delete();
  return values;
}
