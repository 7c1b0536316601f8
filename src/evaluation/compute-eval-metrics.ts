// The scores of one evaluation run, from predictions and references already in the same space
// (labels mapped, failed samples present as wrong answers). Which metrics a task allows and its
// default come from the task → metric table; a metric that does not fit the task is refused before
// any sample runs (checkEvalMetrics), so a job never computes something meaningless.
import { ModaError } from '../errors/moda-error.js';
import type { ReferenceKind } from './eval-tasks.js';

export interface MetricValue {
  /** The HF model-index metric type (accuracy, f1, cer, wer). */
  type: string;
  name: string;
  value: number;
}

interface MetricSpec {
  name: string;
  compute(predictions: readonly string[], references: readonly string[]): number;
}

/** Levenshtein distance between two sequences (two rows of the dynamic-programming table). */
function editDistance<T>(a: readonly T[], b: readonly T[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** Corpus error rate as jiwer computes it: total edits over total reference units. */
function errorRate(predictions: readonly string[], references: readonly string[], units: (text: string) => string[]): number {
  let edits = 0;
  let total = 0;
  for (let index = 0; index < references.length; index++) {
    const reference = units(references[index]!);
    edits += editDistance(units(predictions[index] ?? ''), reference);
    total += reference.length;
  }
  return total === 0 ? 0 : edits / total;
}

const characters = (text: string) => [...text.trim()];
const words = (text: string) => text.trim().split(/\s+/).filter(Boolean);

function macroF1(predictions: readonly string[], references: readonly string[]): number {
  // Over the classes of the references and the predictions, as scikit-learn's f1_score(average='macro').
  const classes = new Set([...references, ...predictions]);
  let sum = 0;
  for (const label of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let index = 0; index < references.length; index++) {
      const predicted = predictions[index] === label;
      const actual = references[index] === label;
      if (predicted && actual) tp++;
      else if (predicted) fp++;
      else if (actual) fn++;
    }
    sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  return classes.size === 0 ? 0 : sum / classes.size;
}

const METRICS: Record<ReferenceKind, Record<string, MetricSpec>> = {
  label: {
    accuracy: { name: 'Accuracy', compute: (predictions, references) => (references.length === 0 ? 0 : references.filter((reference, index) => predictions[index] === reference).length / references.length) },
    f1: { name: 'Macro F1', compute: macroF1 },
  },
  text: {
    cer: { name: 'CER', compute: (predictions, references) => errorRate(predictions, references, characters) },
    wer: { name: 'WER', compute: (predictions, references) => errorRate(predictions, references, words) },
  },
};

/** The metrics a job computes: those asked for (checked against the task), else the task's defaults. */
export function checkEvalMetrics(task: string, kind: ReferenceKind, asked: readonly string[] | undefined): string[] {
  const known = METRICS[kind];
  if (asked === undefined || asked.length === 0) return Object.keys(known);
  for (const metric of asked) {
    if (!(metric.toLowerCase() in known)) throw new ModaError('EVAL_METRIC_UNSUPPORTED', `metric ${JSON.stringify(metric)} does not fit ${task}; it takes ${Object.keys(known).join(', ')}`);
  }
  return [...new Set(asked.map((metric) => metric.toLowerCase()))];
}

export function computeEvalMetrics(kind: ReferenceKind, metrics: readonly string[], predictions: readonly string[], references: readonly string[]): MetricValue[] {
  return metrics.map((metric) => {
    const spec = METRICS[kind][metric];
    if (!spec) throw new ModaError('EVAL_METRIC_UNSUPPORTED', `metric ${metric} does not fit ${kind} references`);
    return { type: metric, name: spec.name, value: spec.compute(predictions, references) };
  });
}
