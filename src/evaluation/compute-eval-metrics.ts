// The scores of one evaluation run, from the shared metrics library (src/evaluation/metrics): the
// task's default metrics or those asked for, refused before any sample runs when they do not fit
// the task (METRIC_UNKNOWN, METRIC_NOT_FOR_TASK). Failed samples come in as null predictions and
// are scored as wrong (classification) or as reading nothing (error rates), never dropped.
import { computeMetrics, resolveMetrics, type MetricsReport } from './metrics/compute-metrics.js';

export interface MetricValue {
  /** The metric id (accuracy, f1_macro, cer, …): `metrics[].type` in model-index. */
  type: string;
  name: string;
  value: number;
}

const NAMES: Record<string, string> = {
  accuracy: 'Accuracy',
  f1_macro: 'Macro F1',
  f1_micro: 'Micro F1',
  f1_weighted: 'Weighted F1',
  precision_macro: 'Macro precision',
  recall_macro: 'Macro recall',
  precision_micro: 'Micro precision',
  recall_micro: 'Micro recall',
  wer: 'WER',
  cer: 'CER',
  cer_no_space: 'CER without whitespace',
};

/** The metric ids a job will report; throws when one does not fit the task. */
export function checkEvalMetrics(task: string, asked: readonly string[] | undefined): string[] {
  return resolveMetrics(task, asked).metrics;
}

export function computeEvalMetrics(task: string, metrics: readonly string[], predictions: readonly (string | null)[], references: readonly string[], labels?: readonly string[]): { values: MetricValue[]; details: MetricsReport['details'] } {
  const report = computeMetrics(task, predictions, references, { metrics, ...(labels && { labels }) });
  const values = Object.entries(report.metrics).map(([type, value]) => ({ type, name: NAMES[type] ?? type, value: value ?? Number.NaN }));
  return { values, details: report.details };
}
