// The contract between the `tune` job (tune-job.ts, which does everything generic: pins the data,
// checks columns and classes, splits, scores, writes the card and commits) and one training method.
// A method states its name, task, which column it learns from and its hyperparameters as a TypeBox
// schema with ranges and defaults; `train` gets the examples and returns the files of the model.
// Methods are registered in tune-methods.ts. A method file must import its engine (fasttext.wasm,
// tfjs, …) inside `train`, not at the top: the server imports every method to check params.
import type { Static, TObject } from '@sinclair/typebox';
import type { Actor } from '../hub/actor.js';
import type { HubContext } from '../hub/context.js';
import type { TaskId } from '../tasks/catalog.js';

/** One labelled example. `text` for text methods; `image` is the raw cell of the image column. */
export interface TuneExample {
  /** Row index in its dataset split, for tracing a prediction back. */
  row: number;
  text?: string;
  image?: unknown;
  /** A class name, one of TrainContext.labels. */
  label: string;
}

/** One point of the training curve; the framework logs it and draws it on the card. */
export interface TrainProgress {
  /** 1-based epoch this point closes (or is in); fractional values are fine for mid-epoch points. */
  epoch: number;
  epochs: number;
  /** Optimiser steps or examples seen so far, when the method counts them. */
  step?: number;
  /** Training loss, when the method can compute it. */
  loss?: number;
  /** Loss on the validation examples. */
  validationLoss?: number;
  /** Accuracy on the validation examples. */
  validationAccuracy?: number;
  /** Seconds left, as the method estimates them. */
  etaSeconds?: number;
  /** Share of the training done, in [0, 1]. */
  fraction: number;
  /** What the progress bar says instead of the epoch (a phase before training, e.g. embedding the data). */
  message?: string;
}

export interface TrainContext<Hyperparameters = Record<string, unknown>> {
  /** Validated against the method's schema, defaults filled in. */
  hyperparameters: Hyperparameters;
  /** The seed every random choice of the method should derive from. */
  seed: number;
  train: readonly TuneExample[];
  validation: readonly TuneExample[];
  /** Class names, sorted; every example's label is one of them. */
  labels: readonly string[];
  /** The base model pinned to a commit, when the job names one. */
  baseModel?: { repo: string; commit: string; gitDir: string };
  /** The dataset pinned to a commit (image methods read their image files from it). */
  dataset: { repo: string; commit: string; gitDir: string };
  /** Reports a curve point (job log, progress bar, the card's picture). */
  report(progress: TrainProgress): void;
  log(line: string): void;
  /** Aborted when the job is cancelled: stop at once, throw, and leave nothing behind. */
  signal: AbortSignal;
  /** A folder of the method's own, removed when the job ends. */
  scratchDir: string;
  /** The hub the job runs against, and its owner as their token allows (reading a base model). */
  hub: HubContext;
  actor: Actor;
}

/** A file of the model repo, by path. */
export interface TunedFile {
  path: string;
  content: Uint8Array;
}

export interface TrainResult {
  /** Model files (weights, tokenizer tables…); configuration.json, README.md, training_params.json come from the framework. */
  files: TunedFile[];
  /** `pipeline.type` that serves the files, and its `model` settings in configuration.json. */
  pipeline: { type: string; framework: string; model: Record<string, unknown> };
  /** The predicted label of each validation example, in order. */
  predictions: readonly string[];
  /** Facts for the card and the job result, e.g. {words_per_second: 1.2e6, vocabulary: 5000}. */
  stats?: Record<string, number>;
  /** Where the method is not byte-for-byte reproducible, why (said on the card). */
  reproducibility?: string;
  /** Notes for the card's "Limitations of the data" that only the method knows. */
  limitations?: string[];
  /** More top-level keys of configuration.json, e.g. the `backbone` {repo, commit} a tuned head runs on. */
  configuration?: Record<string, unknown>;
}

export interface TuneMethod<Schema extends TObject = TObject> {
  name: string;
  description: string;
  task: TaskId;
  /** The column kind the method learns from. */
  input: 'text' | 'image';
  /**
   * For methods that learn from whatever the base model takes (prototypes on an image, text or face
   * model): the column kind and task for this base model, checked before any data is read.
   */
  inputFor?: (base: { repo: string; commit: string }, context: { hub: HubContext; actor: Actor }) => Promise<{ input: 'text' | 'image'; task: TaskId }>;
  /** Whether `base_model` is required, allowed or refused. */
  baseModel: 'required' | 'optional' | 'none';
  /** Hyperparameters with ranges and defaults; unknown names are refused. */
  hyperparameters: Schema;
  /** At most this many classes (beside the server's MODA_TUNE_MAX_CLASSES). */
  maxClasses?: number;
  train(context: TrainContext<Static<Schema>>): Promise<TrainResult>;
}

/** Declares a method with its hyperparameters typed from the schema. */
export function defineTuneMethod<Schema extends TObject>(method: TuneMethod<Schema>): TuneMethod<Schema> {
  return method;
}
