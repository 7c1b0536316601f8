// A benchmark's `eval.yaml`: Hugging Face's form (name, description, evaluation_framework, tasks
// with id/config/split) plus what a ranking needs and Hugging Face leaves to its own service:
//   metric            the metric that ranks (a Moda metric id such as accuracy or cer, or any name);
//                     a task may name its own
//   higher_is_better  default: true, except for error rates (wer, cer, cer_no_space)
//   display           percent (values shown ×100) or number; values are always stored in the
//                     metric's own scale (accuracy 0.86678, not 86.678)
//   reference_rows    results no model in this hub produced (human baseline, numbers from papers):
//                     name, score (the aggregate, or the one task's value) and/or scores per task
//                     id, and a source {url, name} that is required: a number without a source is
//                     not shown
// Unknown keys of a task (task, columns, field_spec, …) are kept for the evaluation job.
import { parse } from 'yaml';
import { ModaError } from '../../errors/moda-error.js';
import { lowerIsBetter } from '../metrics/task-metrics.js';

export interface BenchmarkTask {
  id: string;
  config: string;
  split: string;
  /** The metric this task is ranked by. */
  metric: string;
  /** Display name. */
  name?: string;
  /** Everything else the file says about the task (Moda task id, column mapping, …). */
  extra: Record<string, unknown>;
}

export interface ReferenceSource {
  url: string;
  name?: string;
}

export interface ReferenceRow {
  name: string;
  /** The aggregate (multi-task) or the single task's value, in the metric's own scale. */
  score?: number;
  scores: Record<string, number>;
  source: ReferenceSource;
  date?: string;
  notes?: string;
}

export interface BenchmarkSpec {
  name: string;
  description: string;
  evaluationFramework?: string;
  /** The ranking metric of the aggregate (the tasks' metric, when they share one). */
  metric: string;
  higherIsBetter: boolean;
  display: 'percent' | 'number';
  tasks: BenchmarkTask[];
  referenceRows: ReferenceRow[];
}

export const EVAL_SPEC_PATH = 'eval.yaml';
const NAME = /^[\w.@%-]{1,64}$/;
const MAX_TASKS = 100;
const MAX_REFERENCE_ROWS = 200;

function invalid(message: string): ModaError {
  return new ModaError('BENCHMARK_INVALID', `eval.yaml: ${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') throw invalid(`${where} must be a string`);
  return value;
}

function requiredName(value: unknown, where: string): string {
  const text = optionalString(value, where);
  if (text === undefined || !NAME.test(text)) throw invalid(`${where} must be a name of letters, digits and _ . - @ % (1 to 64)`);
  return text;
}

function httpUrl(value: unknown, where: string): string {
  if (typeof value !== 'string') throw invalid(`${where} must be a URL`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`${where} is not a URL: ${JSON.stringify(value.slice(0, 200))}`);
  }
  // A link the UI renders: only web links, never javascript: or data:.
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(`${where} must be an http(s) URL`);
  return value;
}

function finite(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${where} must be a number`);
  return value;
}

export function parseEvalSpec(text: string): BenchmarkSpec {
  let document: unknown;
  try {
    document = parse(text, { maxAliasCount: 100 });
  } catch (error) {
    throw invalid(`does not parse as YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  if (!isRecord(document)) throw invalid('must be a mapping (name, description, tasks, …)');
  const name = optionalString(document.name, 'name');
  if (!name) throw invalid('name is required');
  const description = optionalString(document.description, 'description') ?? '';
  const evaluationFramework = optionalString(document.evaluation_framework, 'evaluation_framework');
  const topMetric = document.metric === undefined ? undefined : requiredName(document.metric, 'metric');
  if (!Array.isArray(document.tasks) || document.tasks.length === 0) throw invalid('tasks must be a non-empty list of {id, config, split}');
  if (document.tasks.length > MAX_TASKS) throw invalid(`at most ${MAX_TASKS} tasks`);
  const tasks = document.tasks.map((entry: unknown, index): BenchmarkTask => {
    if (!isRecord(entry)) throw invalid(`tasks[${index}] must be a mapping`);
    const { id, config, split, metric, name: taskName, ...extra } = entry;
    const taskMetric = metric === undefined ? topMetric : requiredName(metric, `tasks[${index}].metric`);
    if (!taskMetric) throw invalid(`tasks[${index}] has no metric: give metric at the top or per task`);
    return {
      id: requiredName(id, `tasks[${index}].id`),
      config: optionalString(config, `tasks[${index}].config`) ?? 'default',
      split: requiredName(split, `tasks[${index}].split`),
      metric: taskMetric,
      ...(taskName !== undefined && { name: optionalString(taskName, `tasks[${index}].name`) }),
      extra,
    };
  });
  const ids = new Set<string>();
  for (const task of tasks) {
    if (ids.has(task.id)) throw invalid(`task id ${task.id} appears twice`);
    ids.add(task.id);
  }
  const metric = topMetric ?? tasks[0]!.metric;
  const higherIsBetter = document.higher_is_better === undefined ? !lowerIsBetter(metric) : document.higher_is_better;
  if (typeof higherIsBetter !== 'boolean') throw invalid('higher_is_better must be true or false');
  // The aggregate is a mean of task scores: it means something only when they all point one way.
  const mixed = tasks.find((task) => lowerIsBetter(task.metric) !== lowerIsBetter(metric));
  if (mixed) throw invalid(`task ${mixed.id} ranks by ${mixed.metric}, which points the other way from ${metric}: the mean would mix better and worse`);
  const display = document.display ?? (lowerIsBetter(metric) ? 'number' : 'percent');
  if (display !== 'percent' && display !== 'number') throw invalid('display must be percent or number');
  const referenceRows = parseReferenceRows(document.reference_rows, ids, tasks.length);
  return { name, description, ...(evaluationFramework && { evaluationFramework }), metric, higherIsBetter, display, tasks, referenceRows };
}

function parseReferenceRows(value: unknown, taskIds: ReadonlySet<string>, taskCount: number): ReferenceRow[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid('reference_rows must be a list');
  if (value.length > MAX_REFERENCE_ROWS) throw invalid(`at most ${MAX_REFERENCE_ROWS} reference rows`);
  return value.map((entry: unknown, index): ReferenceRow => {
    const where = `reference_rows[${index}]`;
    if (!isRecord(entry)) throw invalid(`${where} must be a mapping`);
    const name = optionalString(entry.name, `${where}.name`);
    if (!name) throw invalid(`${where}.name is required`);
    if (!isRecord(entry.source)) throw invalid(`${where}.source {url, name} is required: a reported number needs its source`);
    const source: ReferenceSource = { url: httpUrl(entry.source.url, `${where}.source.url`) };
    const sourceName = optionalString(entry.source.name, `${where}.source.name`);
    if (sourceName) source.name = sourceName;
    const scores: Record<string, number> = {};
    if (entry.scores !== undefined) {
      if (!isRecord(entry.scores)) throw invalid(`${where}.scores must map task ids to numbers`);
      for (const [task, score] of Object.entries(entry.scores)) {
        if (!taskIds.has(task)) throw invalid(`${where}.scores names task ${task}, which the benchmark does not have`);
        scores[task] = finite(score, `${where}.scores.${task}`);
      }
    }
    const score = entry.score === undefined ? undefined : finite(entry.score, `${where}.score`);
    if (score === undefined && Object.keys(scores).length === 0) throw invalid(`${where} needs a score or scores`);
    if (score === undefined && Object.keys(scores).length < taskCount) throw invalid(`${where} gives scores for some tasks only and no overall score`);
    const date = optionalString(entry.date, `${where}.date`);
    const notes = optionalString(entry.notes, `${where}.notes`);
    return { name, ...(score !== undefined && { score }), scores, source, ...(date && { date }), ...(notes && { notes }) };
  });
}
