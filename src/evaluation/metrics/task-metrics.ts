// Which metrics each task has and which it reports by default (as ModelScope maps a task to its
// metric: sequence classification → accuracy, …). A metric id names one number; ids are stable, as
// they become `metrics[].type` in model-index results and leaderboard columns.
export const METRIC_IDS = [
  'accuracy',
  'f1_macro',
  'f1_micro',
  'f1_weighted',
  'precision_macro',
  'recall_macro',
  'precision_micro',
  'recall_micro',
  'wer',
  'cer',
  'cer_no_space',
  'map',
  'map_50',
  'map_75',
  'entity_f1',
  'entity_precision',
  'entity_recall',
  'exact_match',
  'f1',
  'pearson',
  'spearman',
] as const;
export type MetricId = (typeof METRIC_IDS)[number];

/** How a task's predictions are scored: the metric family that computes its numbers. */
export type MetricFamily = 'classification' | 'error-rate' | 'detection' | 'entity' | 'question-answering' | 'correlation';

export interface TaskMetrics {
  family: MetricFamily;
  /** Reported when the caller names none; the first ranks (the leaderboard's default). */
  defaults: readonly MetricId[];
  allowed: readonly MetricId[];
}

const CLASSIFICATION: readonly MetricId[] = ['accuracy', 'f1_macro', 'f1_micro', 'f1_weighted', 'precision_macro', 'recall_macro', 'precision_micro', 'recall_micro'];
const ERROR_RATES: readonly MetricId[] = ['wer', 'cer', 'cer_no_space'];
const DETECTION: readonly MetricId[] = ['map', 'map_50', 'map_75'];

export const TASK_METRICS = {
  'text-classification': { family: 'classification', defaults: ['accuracy', 'f1_macro'], allowed: CLASSIFICATION },
  'zero-shot-classification': { family: 'classification', defaults: ['accuracy', 'f1_macro'], allowed: CLASSIFICATION },
  'image-classification': { family: 'classification', defaults: ['accuracy', 'f1_macro'], allowed: CLASSIFICATION },
  'zero-shot-image-classification': { family: 'classification', defaults: ['accuracy', 'f1_macro'], allowed: CLASSIFICATION },
  'language-identification': { family: 'classification', defaults: ['accuracy'], allowed: CLASSIFICATION },
  // OCR of Chinese and Japanese is judged by characters; spaces there are layout.
  'ocr': { family: 'error-rate', defaults: ['cer', 'cer_no_space', 'wer'], allowed: ERROR_RATES },
  'automatic-speech-recognition': { family: 'error-rate', defaults: ['wer', 'cer'], allowed: ERROR_RATES },
  'object-detection': { family: 'detection', defaults: ['map', 'map_50'], allowed: DETECTION },
  // WIDER FACE ranks by AP at IoU 0.5.
  'face-detection': { family: 'detection', defaults: ['map_50', 'map'], allowed: DETECTION },
  'token-classification': { family: 'entity', defaults: ['entity_f1', 'entity_precision', 'entity_recall'], allowed: ['entity_f1', 'entity_precision', 'entity_recall'] },
  'question-answering': { family: 'question-answering', defaults: ['exact_match', 'f1'], allowed: ['exact_match', 'f1'] },
  'sentence-similarity': { family: 'correlation', defaults: ['spearman', 'pearson'], allowed: ['spearman', 'pearson'] },
} as const satisfies Record<string, TaskMetrics>;

export type EvaluableTask = keyof typeof TASK_METRICS;

export function isEvaluableTask(task: string): task is EvaluableTask {
  return Object.hasOwn(TASK_METRICS, task);
}

export function isMetricId(metric: string): metric is MetricId {
  return (METRIC_IDS as readonly string[]).includes(metric);
}

/** Metrics where a lower value is better (error rates); every other metric ranks higher-first. */
export function lowerIsBetter(metric: string): boolean {
  return metric === 'wer' || metric === 'cer' || metric === 'cer_no_space';
}
