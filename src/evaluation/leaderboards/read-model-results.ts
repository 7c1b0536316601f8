// The evaluation results a model repo states about itself, from its two Hugging Face forms:
// - README `model-index`: [{name, results: [{task: {type, name?}, dataset: {type, name, config?,
//   split?, revision?}, metrics: [{type, value, name?, verified?}], source?: {name, url}}]}];
//   `dataset.type` is the dataset's hub id, as on the Hub;
// - `.eval_results/*.yaml`: a list of {dataset: {id, task_id?, revision?}, value, date?,
//   source?: {url, name?}, notes?}; Moda also reads `metric` (when the benchmark task's metric is
//   not meant), `verified` and `job_id` (the evaluation job that computed it).
// `model_revision` (the evaluated commit, which Moda's evaluation jobs write) files a result under
// that commit. Entries that are not of these shapes are skipped one by one (a card with one malformed result
// still shows the others); the count of skipped entries is returned so the UI can say so.
import { parse } from 'yaml';

export interface StatedResult {
  origin: 'model-index' | 'eval-results';
  /** The benchmark's dataset id, lower-cased (`moda/clue`). */
  benchmark: string;
  taskId: string | null;
  config: string | null;
  split: string | null;
  /** null: the benchmark task's own metric (.eval_results without `metric`). */
  metric: string | null;
  value: number;
  claimsVerified: boolean;
  jobId: string | null;
  sourceUrl: string | null;
  sourceName: string | null;
  date: string | null;
  datasetRevision: string | null;
  /** The model commit the result names (`.eval_results` `model_revision`, a full sha), if any. */
  modelCommit: string | null;
}

export interface StatedResults {
  results: StatedResult[];
  skipped: number;
}

const JOB_ID = /^[0-9a-z]{9}[0-9a-f]{10}$/;
const JOB_URL = /\/jobs\/([0-9a-z]{9}[0-9a-f]{10})(?:[/?#]|$)/;
const MAX_RESULTS = 5000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, max = 512): string | null {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value.length > 0 ? value.slice(0, max) : null;
}

/** A web link or nothing: a source URL is rendered as a link. */
function webUrl(value: unknown): string | null {
  const candidate = text(value, 2048);
  if (!candidate) return null;
  try {
    const url = new URL(candidate);
    return url.protocol === 'https:' || url.protocol === 'http:' ? candidate : null;
  } catch {
    return null;
  }
}

function numeric(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  // YAML written by hand sometimes quotes numbers.
  if (typeof value === 'string' && /^-?\d+(?:\.\d+)?(?:e-?\d+)?$/i.test(value.trim())) return Number(value);
  return null;
}

function jobOf(entry: Record<string, unknown>, sourceUrl: string | null): string | null {
  const explicit = text(entry.job_id);
  if (explicit && JOB_ID.test(explicit)) return explicit;
  const match = sourceUrl ? JOB_URL.exec(sourceUrl) : null;
  return match ? match[1]! : null;
}

function fullSha(value: unknown): string | null {
  return typeof value === 'string' && /^[0-9a-f]{40}$/.test(value) ? value : null;
}

function dateText(value: unknown): string | null {
  if (value instanceof Date) return value.toISOString();
  const candidate = text(value, 64);
  return candidate && !Number.isNaN(Date.parse(candidate)) ? candidate : null;
}

/** Results in a card's parsed YAML header (`card_data`). */
export function resultsOfModelIndex(card: Record<string, unknown>): StatedResults {
  const results: StatedResult[] = [];
  let skipped = 0;
  const index = card['model-index'];
  if (!Array.isArray(index)) return { results, skipped: index === undefined ? 0 : 1 };
  for (const model of index) {
    if (!isRecord(model) || !Array.isArray(model.results)) {
      skipped++;
      continue;
    }
    for (const result of model.results) {
      if (!isRecord(result) || !isRecord(result.dataset) || !Array.isArray(result.metrics)) {
        skipped++;
        continue;
      }
      const benchmark = text(result.dataset.type)?.toLowerCase();
      if (!benchmark) {
        skipped++;
        continue;
      }
      const source = isRecord(result.source) ? result.source : {};
      const sourceUrl = webUrl(source.url);
      for (const metric of result.metrics) {
        const type = isRecord(metric) ? text(metric.type, 64) : null;
        const value = isRecord(metric) ? numeric(metric.value) : null;
        if (!isRecord(metric) || !type || value === null) {
          skipped++;
          continue;
        }
        if (results.length >= MAX_RESULTS) return { results, skipped: skipped + 1 };
        results.push({
          origin: 'model-index',
          benchmark,
          taskId: null,
          config: text(result.dataset.config, 64),
          split: text(result.dataset.split, 64),
          metric: type,
          value,
          claimsVerified: metric.verified === true,
          jobId: jobOf(metric, sourceUrl),
          sourceUrl,
          sourceName: text(source.name, 200),
          date: null,
          datasetRevision: text(result.dataset.revision, 64),
          modelCommit: null,
        });
      }
    }
  }
  return { results, skipped };
}

/** Results in one `.eval_results/*.yaml` file; a file that does not parse counts as one skipped entry. */
export function resultsOfEvalResultsFile(content: string): StatedResults {
  let document: unknown;
  try {
    document = parse(content, { maxAliasCount: 100 });
  } catch {
    return { results: [], skipped: 1 };
  }
  const entries = Array.isArray(document) ? document : [document];
  const results: StatedResult[] = [];
  let skipped = 0;
  for (const entry of entries) {
    const value = isRecord(entry) ? numeric(entry.value) : null;
    const dataset = isRecord(entry) && isRecord(entry.dataset) ? entry.dataset : null;
    const benchmark = dataset ? text(dataset.id)?.toLowerCase() : null;
    if (!isRecord(entry) || value === null || !dataset || !benchmark) {
      skipped++;
      continue;
    }
    if (results.length >= MAX_RESULTS) return { results, skipped: skipped + 1 };
    const source = isRecord(entry.source) ? entry.source : {};
    const sourceUrl = webUrl(source.url);
    results.push({
      origin: 'eval-results',
      benchmark,
      taskId: text(dataset.task_id, 64),
      config: text(dataset.config, 64),
      split: text(dataset.split, 64),
      metric: text(entry.metric, 64),
      value,
      claimsVerified: entry.verified === true,
      jobId: jobOf(entry, sourceUrl),
      sourceUrl,
      sourceName: text(source.name, 200),
      date: dateText(entry.date),
      datasetRevision: text(dataset.revision, 64),
      modelCommit: fullSha(entry.model_revision),
    });
  }
  return { results, skipped };
}
