// What `computeMetrics` takes per task: one prediction and one reference per sample, typed. A
// prediction is `null` where the model failed on the sample: it is scored (as wrong, empty or
// absent, per family) and counted in `failures`, never silently dropped.
import type { DetectedObject, ReferenceObject } from './detection-map.js';
import type { EntitySpan } from './entity-f1.js';
import type { EvaluableTask } from './task-metrics.js';

/** The predicted label, or the task's output (labels with scores: the highest score wins). */
export type ClassificationPrediction = string | readonly { label: string; score: number }[];

/** Tags per token (IOB2/IOBES) or entity spans (the task's output); both sides of a sample alike. */
export type TokenClassificationValue = readonly string[] | readonly EntitySpan[];

interface Shape<P, R> {
  prediction: P | null;
  reference: R;
}

export interface MetricShapes {
  'text-classification': Shape<ClassificationPrediction, string>;
  'zero-shot-classification': Shape<ClassificationPrediction, string>;
  'image-classification': Shape<ClassificationPrediction, string>;
  'zero-shot-image-classification': Shape<ClassificationPrediction, string>;
  /** ISO 639 codes; compared without regard to case. */
  'language-identification': Shape<ClassificationPrediction, string>;
  /** The recognised text (the task output's `text`), against the reference text. */
  'ocr': Shape<string, string>;
  'automatic-speech-recognition': Shape<string, string>;
  'object-detection': Shape<readonly DetectedObject[], readonly ReferenceObject[]>;
  'face-detection': Shape<readonly DetectedObject[], readonly ReferenceObject[]>;
  'token-classification': Shape<TokenClassificationValue, TokenClassificationValue>;
  /** The answer text; references: every accepted answer. */
  'question-answering': Shape<string, string | readonly string[]>;
  /** The similarity of one sentence pair, against its reference score. */
  'sentence-similarity': Shape<number, number>;
}

export type PredictionOf<T extends EvaluableTask> = MetricShapes[T]['prediction'];
export type ReferenceOf<T extends EvaluableTask> = MetricShapes[T]['reference'];
