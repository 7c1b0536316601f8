// The metrics library's entry point: scores a task's predictions against its references with the
// task's metrics (its defaults, or those the caller names), refusing a metric that does not fit the
// task. Evaluation jobs call this; the numbers it returns are what model-index results carry.
import { ModaError } from '../../errors/moda-error.js';
import { classificationMetrics, type ClassificationResult } from './classification-metrics.js';
import { correlationMetrics, type CorrelationResult } from './correlation.js';
import { detectionMetrics, type DetectedObject, type DetectionResult, type ReferenceObject } from './detection-map.js';
import { entityMetricsFromSpans, entityMetricsFromTags, type EntityResult, type EntitySpan, type TaggingScheme } from './entity-f1.js';
import { errorRates, type ErrorRateResult } from './error-rates.js';
import { metricInputError } from './metric-input-error.js';
import type { ClassificationPrediction, PredictionOf, ReferenceOf, TokenClassificationValue } from './metric-shapes.js';
import { questionAnsweringMetrics, type QuestionAnsweringResult } from './squad-metrics.js';
import { isEvaluableTask, isMetricId, METRIC_IDS, TASK_METRICS, type EvaluableTask, type MetricId } from './task-metrics.js';

export interface ComputeMetricsOptions {
  /** Metric ids to report; default: the task's defaults. */
  metrics?: readonly string[];
  /** Classification: the class list and order (e.g. the model's labels). */
  labels?: readonly string[];
  /** Token classification with tags: the tagging scheme (default IOB2). */
  scheme?: TaggingScheme;
}

export interface MetricsReport {
  task: EvaluableTask;
  /** The requested metrics, in the order asked, each one number. */
  metrics: Partial<Record<MetricId, number>>;
  /** Everything the family computed: per-class scores, confusion matrix, counts. */
  details: ClassificationResult | ErrorRateResult | DetectionResult | EntityResult | QuestionAnsweringResult | CorrelationResult;
  samples: number;
  /** Samples the model failed on (null predictions), scored as the family documents. */
  failures: number;
}

/** The metric ids that would be reported: the defaults, or `requested` checked against the task. */
export function resolveMetrics(task: string, requested?: readonly string[]): { task: EvaluableTask; metrics: MetricId[] } {
  if (!isEvaluableTask(task)) {
    throw new ModaError('METRIC_TASK_UNSUPPORTED', `Moda has no metrics for task "${task}"; tasks with metrics: ${Object.keys(TASK_METRICS).join(', ')}`);
  }
  const spec = TASK_METRICS[task];
  if (requested === undefined || requested.length === 0) return { task, metrics: [...spec.defaults] };
  const metrics: MetricId[] = [];
  for (const metric of requested) {
    if (!isMetricId(metric)) throw new ModaError('METRIC_UNKNOWN', `no metric "${metric}"; metrics: ${METRIC_IDS.join(', ')}`);
    if (!(spec.allowed as readonly string[]).includes(metric)) {
      throw new ModaError('METRIC_NOT_FOR_TASK', `metric "${metric}" does not fit task ${task}; its metrics: ${spec.allowed.join(', ')}`, { details: { task, metric, allowed: spec.allowed } });
    }
    if (!metrics.includes(metric)) metrics.push(metric);
  }
  return { task, metrics };
}

export function computeMetrics<T extends EvaluableTask>(task: T, predictions: readonly PredictionOf<T>[], references: readonly ReferenceOf<T>[], options?: ComputeMetricsOptions): MetricsReport;
export function computeMetrics(task: string, predictions: readonly unknown[], references: readonly unknown[], options?: ComputeMetricsOptions): MetricsReport;
export function computeMetrics(task: string, predictions: readonly unknown[], references: readonly unknown[], options: ComputeMetricsOptions = {}): MetricsReport {
  const resolved = resolveMetrics(task, options.metrics);
  const details = scoreFamily(resolved.task, predictions, references, options);
  const values = details as unknown as Record<string, unknown>;
  const metrics: Partial<Record<MetricId, number>> = {};
  for (const metric of resolved.metrics) metrics[metric] = values[metric] as number;
  return { task: resolved.task, metrics, details, samples: details.samples, failures: details.failures };
}

function scoreFamily(task: EvaluableTask, predictions: readonly unknown[], references: readonly unknown[], options: ComputeMetricsOptions): MetricsReport['details'] {
  switch (TASK_METRICS[task].family) {
    case 'classification': {
      const caseless = task === 'language-identification';
      const label = (value: string) => (caseless ? value.toLowerCase() : value);
      const predicted = arrayOf(predictions, 'predictions').map((prediction, i) => {
        const top = topLabel(prediction, i);
        return top === null ? null : label(top);
      });
      const expected = arrayOf(references, 'references').map((reference, i) => {
        if (typeof reference !== 'string') throw metricInputError(`reference ${i} is not a label string`, { index: i });
        return label(reference);
      });
      return classificationMetrics(predicted, expected, options.labels ? { labels: options.labels.map(label) } : {});
    }
    case 'error-rate':
      return errorRates(predictions as readonly (string | null)[], references as readonly string[]);
    case 'detection':
      return detectionMetrics(predictions as readonly (readonly DetectedObject[] | null)[], references as readonly (readonly ReferenceObject[])[]);
    case 'entity':
      return entityMetrics(predictions as readonly (TokenClassificationValue | null)[], references as readonly TokenClassificationValue[], options.scheme ?? 'IOB2');
    case 'question-answering':
      return questionAnsweringMetrics(predictions as readonly (string | null)[], references as readonly (string | readonly string[])[]);
    case 'correlation':
      return correlationMetrics(predictions as readonly (number | null)[], references as readonly number[]);
  }
}

function arrayOf(values: readonly unknown[], name: string): readonly unknown[] {
  if (!Array.isArray(values)) throw metricInputError(`${name} must be an array`);
  return values;
}

/** A label string, or the label of the highest score in a task output; null for a failure. */
function topLabel(prediction: unknown, index: number): string | null {
  if (prediction === null || prediction === undefined) return null;
  if (typeof prediction === 'string') return prediction;
  if (Array.isArray(prediction)) {
    let best: { label: string; score: number } | undefined;
    for (const entry of prediction as ClassificationPrediction & readonly unknown[]) {
      const candidate = entry as { label?: unknown; score?: unknown };
      if (typeof candidate !== 'object' || candidate === null || typeof candidate.label !== 'string' || typeof candidate.score !== 'number') {
        throw metricInputError(`prediction ${index}: every entry needs {label, score}`, { index });
      }
      if (!best || candidate.score > best.score) best = { label: candidate.label, score: candidate.score };
    }
    // A model that answered no label at all answered nothing: a failure, not a label.
    return best?.label ?? null;
  }
  throw metricInputError(`prediction ${index} is neither a label, a list of {label, score} nor null`, { index });
}

/** Tags or spans, decided by the references' first non-empty sample; both sides must agree. */
function entityMetrics(predictions: readonly (TokenClassificationValue | null)[], references: readonly TokenClassificationValue[], scheme: TaggingScheme): EntityResult {
  if (!Array.isArray(references) || !Array.isArray(predictions)) throw metricInputError('predictions and references must be arrays');
  const first = references.find((sample) => Array.isArray(sample) && sample.length > 0)?.[0];
  if (typeof first === 'string') {
    return entityMetricsFromTags(predictions as readonly (readonly string[] | null)[], references as readonly (readonly string[])[], scheme);
  }
  return entityMetricsFromSpans(predictions as readonly (readonly EntitySpan[] | null)[], references as readonly (readonly EntitySpan[])[]);
}
