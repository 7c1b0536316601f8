// What an evaluation writes into the model repo, in the forms Hugging Face tools read:
// - the card's YAML `model-index` (name, results[].task/dataset/metrics/source), where results this
//   server computed carry `verified: true` and `source.name: Moda evaluation`; they replace earlier
//   ones of the same task/dataset/config/split, while results the authors wrote stay untouched;
// - `.eval_results/<dataset name>.yaml` (Hugging Face's newer file form: a list of
//   `{dataset: {id, task_id, revision}, value, date, source: {url, name}, notes}`), one entry per
//   metric, with `metric`, `verified`, `job_id` and `model_revision` added so leaderboards can tell
//   which commit of the model a number belongs to and confirm it against the job's result;
// - a short table in the card body between two markers, rebuilt from the model-index, so the
//   authors' own text around it is kept.
import { Document, isMap, parse as parseYaml, parseDocument, stringify } from 'yaml';
import { ModaError } from '../errors/moda-error.js';
import type { MetricValue } from './compute-eval-metrics.js';

export const EVAL_SOURCE_NAME = 'Moda evaluation';
export const SECTION_START = '<!-- moda-eval:start -->';
export const SECTION_END = '<!-- moda-eval:end -->';

export interface EvalOutcome {
  model: string;
  modelCommit: string;
  dataset: string;
  /** The dataset card's pretty_name, else its id. */
  datasetName: string;
  datasetCommit: string;
  config: string;
  split: string;
  task: string;
  taskTitle: string;
  /** The benchmark's task id (its eval.yaml), else `<config>/<split>`. */
  taskId: string;
  metrics: MetricValue[];
  samples: number;
  failed: number;
  /** Rows of the split (more than `samples` when the run was limited). */
  splitRows: number;
  jobUrl: string;
  jobId: string;
  date: string;
}

type Fields = Record<string, unknown>;
const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);

function isOurs(result: Fields): boolean {
  return isObject(result.source) && result.source.name === EVAL_SOURCE_NAME;
}

function sameTarget(result: Fields, outcome: EvalOutcome): boolean {
  const task = isObject(result.task) ? result.task : {};
  const dataset = isObject(result.dataset) ? result.dataset : {};
  return task.type === outcome.task && dataset.type === outcome.dataset && (dataset.config ?? 'default') === outcome.config && dataset.split === outcome.split;
}

function notes(outcome: EvalOutcome): string {
  const limited = outcome.samples < outcome.splitRows ? ` (the first ${outcome.samples} of ${outcome.splitRows} rows)` : '';
  return `${outcome.model}@${outcome.modelCommit.slice(0, 12)} on ${outcome.samples} samples${limited}; ${outcome.failed} failed and counted as wrong`;
}

export function modelIndexResult(outcome: EvalOutcome): Fields {
  return {
    task: { type: outcome.task, name: outcome.taskTitle },
    dataset: {
      type: outcome.dataset,
      name: outcome.datasetName,
      config: outcome.config,
      split: outcome.split,
      revision: outcome.datasetCommit,
      ...(outcome.samples < outcome.splitRows && { args: { limit: outcome.samples } }),
    },
    metrics: outcome.metrics.map((metric) => ({ type: metric.type, value: metric.value, name: metric.name, verified: true })),
    source: { name: EVAL_SOURCE_NAME, url: outcome.jobUrl },
  };
}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/** The README with the new result in its model-index and its table section rebuilt. */
export function updateReadme(readme: string | undefined, outcome: EvalOutcome): string {
  const text = readme ?? '';
  const match = FRONT_MATTER.exec(text);
  // parseDocument keeps the authors' comments and key order in the rest of the header.
  const parsed = parseDocument(match?.[1] ?? '');
  // The authors' header is never overwritten: a broken one is theirs to fix first.
  if (parsed.errors.length > 0) throw new ModaError('MODEL_CARD_INVALID', `the card's YAML header does not parse (${parsed.errors[0]?.message ?? 'invalid'}); fix it, then run the evaluation again`);
  // An empty header (or none) starts afresh; one that is not a mapping cannot hold model-index.
  if (parsed.contents !== null && !isMap(parsed.contents)) throw new ModaError('MODEL_CARD_INVALID', "the card's YAML header is not a mapping of field names to values");
  const document = isMap(parsed.contents) ? parsed : new Document({});
  const current = document.toJS({ maxAliasCount: 100 }) as Fields | null;
  const index = Array.isArray(current?.['model-index']) ? (current['model-index'] as unknown[]).filter(isObject) : [];
  const name = outcome.model.split('/')[1] ?? outcome.model;
  const entry = index[0] ?? { name, results: [] };
  const results = (Array.isArray(entry.results) ? entry.results : []).filter(isObject).filter((result) => !(isOurs(result) && sameTarget(result, outcome)));
  results.push(modelIndexResult(outcome));
  const updated = [{ ...entry, name: typeof entry.name === 'string' && entry.name !== '' ? entry.name : name, results }, ...index.slice(1)];
  document.set('model-index', document.createNode(updated));
  const header = document.toString({ lineWidth: 0 }).trimEnd();
  const body = match ? text.slice(match[0].length) : text;
  return `---\n${header}\n---\n${replaceSection(body, resultsTable(updated[0]!.results as Fields[]))}`;
}

/** The table of this server's results, newest data first as they stand in the model-index. */
export function resultsTable(results: readonly Fields[]): string {
  const rows: string[] = [];
  for (const result of results.filter(isOurs)) {
    const dataset = isObject(result.dataset) ? result.dataset : {};
    const source = isObject(result.source) ? result.source : {};
    const metrics = Array.isArray(result.metrics) ? result.metrics.filter(isObject) : [];
    const values = metrics.map((metric) => `${String(metric.name ?? metric.type)} ${formatValue(metric.value)}`).join(', ');
    const limited = isObject(dataset.args) && typeof dataset.args.limit === 'number' ? ` (first ${dataset.args.limit} rows)` : '';
    rows.push(`| ${cell(String(dataset.type ?? ''))} | ${cell(`${String(dataset.config ?? 'default')}/${String(dataset.split ?? '')}`)}${limited} | ${cell(values)} | [job](${String(source.url ?? '')}) |`);
  }
  return [
    SECTION_START,
    '## Evaluation results',
    '',
    `Computed by this hub's evaluation jobs (verified); every number links to the job that produced it, with the model and dataset commits.`,
    '',
    '| Dataset | Config/split | Metrics | Source |',
    '| --- | --- | --- | --- |',
    ...rows,
    SECTION_END,
  ].join('\n');
}

function formatValue(value: unknown): string {
  return typeof value === 'number' ? String(Math.round(value * 10_000) / 10_000) : String(value);
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function replaceSection(body: string, section: string): string {
  const start = body.indexOf(SECTION_START);
  const end = body.indexOf(SECTION_END);
  if (start >= 0 && end > start) return `${body.slice(0, start)}${section}${body.slice(end + SECTION_END.length)}`;
  const trimmed = body.replace(/\s+$/, '');
  return `${trimmed}${trimmed === '' ? '' : '\n\n'}${section}\n`;
}

/** `.eval_results/<name>.yaml` for the dataset: the file's path. */
export function evalResultsPath(dataset: string): string {
  const name = (dataset.split('/')[1] ?? dataset).replace(/[^\w.-]/g, '_');
  return `.eval_results/${name}.yaml`;
}

/** The file with this run's entries in place of the earlier ones of this server for the same target. */
export function updateEvalResults(existing: string | undefined, outcome: EvalOutcome): string {
  let entries: unknown[] = [];
  if (existing !== undefined) {
    try {
      const parsed: unknown = parseYaml(existing, { maxAliasCount: 100 });
      if (Array.isArray(parsed)) entries = parsed;
    } catch {
      // An unreadable file is replaced only by what this run knows; its text stays in git history.
    }
  }
  const kept = entries.filter((entry) => {
    if (!isObject(entry) || !isObject(entry.dataset) || !isObject(entry.source)) return true;
    return !(entry.source.name === EVAL_SOURCE_NAME && entry.dataset.id === outcome.dataset && entry.dataset.task_id === outcome.taskId);
  });
  const added = outcome.metrics.map((metric) => ({
    dataset: { id: outcome.dataset, task_id: outcome.taskId, revision: outcome.datasetCommit },
    metric: metric.type,
    value: metric.value,
    date: outcome.date.slice(0, 10),
    verified: true,
    model_revision: outcome.modelCommit,
    job_id: outcome.jobId,
    source: { url: outcome.jobUrl, name: EVAL_SOURCE_NAME },
    notes: notes(outcome),
  }));
  return stringify([...kept, ...added], { lineWidth: 0 });
}
