// One evaluation, as the `eval` job runs it in its job process with its owner's rights: pin the
// model and the dataset to commits, check that the task, metrics, split and columns fit before any
// sample runs, send every sample through the serving path, score the answers (failed samples and
// unmappable labels count as wrong), keep the per-sample predictions as an artifact, and — when the
// owner may write the model — write the results back as one commit. Cancelling stops it before the
// commit, so a cancelled run leaves the model repo as it was.
import type { ModaClient } from '../client/moda-client.js';
import { ensurePrepared, findSplit, requireUsable } from '../datasets/ensure-prepared.js';
import { isModaError, ModaError } from '../errors/moda-error.js';
import type { Actor } from '../hub/actor.js';
import type { HubContext } from '../hub/context.js';
import { readSmallFile } from '../hub/list-files.js';
import { parseModelCard } from '../hub/model-card.js';
import { resolveRevision } from '../hub/refs.js';
import { findRepo, visibilityOf, type RepoRecord } from '../hub/repos/repo-record.js';
import { commitEvalResults } from './commit-eval-results.js';
import { EVAL_SPEC_PATH, parseEvalSpec } from './leaderboards/parse-eval-spec.js';
import { checkEvalMetrics, computeEvalMetrics, type MetricValue } from './compute-eval-metrics.js';
import type { EvalParams } from './eval-params.js';
import type { EvalOutcome } from './eval-result-files.js';
import { evalTaskOf } from './eval-tasks.js';
import { epochMs, type EvalTimings } from './eval-timings.js';
import { mapEvalColumns } from './map-eval-columns.js';
import { LabelMapper, type LabelMapping } from './map-labels.js';
import { readEvalSamples } from './read-eval-samples.js';
import { readModelFacts } from './read-model-facts.js';
import { runEvalSamples } from './run-eval-samples.js';
import { httpSampleSender } from './sample-sender.js';
import { storePredictions, type JobArtifact, type PredictionRow } from './store-predictions.js';

export interface EvaluationContext {
  jobId: string;
  hub: HubContext;
  actor: Actor;
  client: ModaClient;
  signal: AbortSignal;
  progress(fraction: number | null, message?: string): void;
  log(line: string): void;
}

export interface EvaluationResult {
  model: string;
  model_commit: string;
  dataset: string;
  dataset_commit: string;
  config: string;
  split: string;
  task: string;
  columns: { input: string[]; reference: string };
  samples: number;
  split_rows: number;
  succeeded: number;
  failed: number;
  failures: Record<string, number>;
  failure_examples: { row_idx: number; code: string; message: string }[];
  metrics: MetricValue[];
  /** What the metrics library computed beside them: per-class scores and the confusion matrix, or edit counts. */
  details: unknown;
  label_mapping: LabelMapping | null;
  /**
   * `cpu_ms_per_sample`: this job process's own CPU (user + system, all its threads: DuckDB's too)
   * over the sample loop, per sample — what the loop takes from the cores the model and the server share.
   */
  throughput: { samples_per_second: number; seconds: number; cpu_ms_per_sample: number };
  timings: EvalTimings;
  artifacts: JobArtifact[];
  /** The results commit, or null with the reason when none was written. */
  commit: { oid: string; url: string } | null;
  commit_skipped: string | null;
}

const MAX_FAILURE_EXAMPLES = 20;
const PROGRESS_EVERY_MS = 200;

/** Whether everyone who can read the model can read the dataset too: only then may its results go into the model. */
function datasetVisibleWithModel(model: RepoRecord, dataset: RepoRecord): boolean {
  const rank = { private: 0, internal: 1, public: 2 } as const;
  const datasetVisibility = visibilityOf(dataset.row);
  if (datasetVisibility === 'public') return true;
  return model.row.namespace === dataset.row.namespace && rank[visibilityOf(model.row)] <= rank[datasetVisibility];
}

/** The task id the dataset's eval.yaml gives this config/split, when it is a benchmark. */
async function benchmarkTaskId(dataset: RepoRecord, commit: string, config: string, split: string): Promise<string | undefined> {
  const text = await readSmallFile(dataset.gitDir, commit, EVAL_SPEC_PATH);
  if (!text) return undefined;
  try {
    return parseEvalSpec(text.toString('utf8')).tasks.find((task) => task.config === config && task.split === split)?.id;
  } catch {
    // A broken eval.yaml is the leaderboard's to report; the result keeps its config/split id.
    return undefined;
  }
}

async function writeAccess(hub: HubContext, actor: Actor, model: string): Promise<string | null> {
  try {
    await findRepo(hub, actor, 'model', model, 'write');
    return null;
  } catch (error) {
    if (isModaError(error) && ['AUTH_FORBIDDEN', 'AUTH_REQUIRED', 'AUTH_TOKEN_SCOPE'].includes(error.code)) return `the job's owner may read ${model} but not write to it: the results stay in this job`;
    throw error;
  }
}

/** Why the results may not be committed (null: they may), the dataset's pretty name and its benchmark task id. */
async function finishFacts(hub: HubContext, actor: Actor, modelRepo: RepoRecord, datasetRepo: RepoRecord, datasetCommit: string, config: string, split: string): Promise<{ skipped: string | null; prettyName: unknown; benchmarkTask: string | undefined }> {
  const [skipped, datasetCard, benchmarkTask] = await Promise.all([
    datasetVisibleWithModel(modelRepo, datasetRepo) ? writeAccess(hub, actor, modelRepo.fullName) : `${datasetRepo.fullName} is not visible to everyone who can read ${modelRepo.fullName}: its results stay in this job`,
    readSmallFile(datasetRepo.gitDir, datasetCommit, 'README.md'),
    benchmarkTaskId(datasetRepo, datasetCommit, config, split),
  ]);
  return { skipped, prettyName: datasetCard ? parseModelCard(datasetCard.toString('utf8')).data.pretty_name : undefined, benchmarkTask };
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  return seconds >= 90 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds)} s`;
}

export async function runEvaluation(context: EvaluationContext, params: EvalParams): Promise<EvaluationResult> {
  const { hub, actor, signal, log, progress } = context;
  const timings: EvalTimings = { process_started: performance.timeOrigin, evaluation_started: epochMs(), dataset_prepared: 0, dataset_opened: null, first_request_sent: null, last_answer: null, predictions_stored: null, finished: null };
  // Both sides pinned first: whatever is pushed meanwhile, this run scores these two commits.
  // Side by side, with the model's error first when both fail, as when they ran one after the other.
  const [model, dataset] = await Promise.allSettled([
    findRepo(hub, actor, 'model', params.model).then(async (repo) => ({ repo, commit: (await resolveRevision(repo.gitDir, params.model_revision ?? repo.row.default_branch)).commit })),
    findRepo(hub, actor, 'dataset', params.dataset).then(async (repo) => ({ repo, commit: (await resolveRevision(repo.gitDir, params.dataset_revision ?? repo.row.default_branch)).commit })),
  ]);
  if (model.status === 'rejected') throw model.reason;
  if (dataset.status === 'rejected') throw dataset.reason;
  const { repo: modelRepo, commit: modelCommit } = model.value;
  const { repo: datasetRepo, commit: datasetCommit } = dataset.value;
  log(`model ${modelRepo.fullName}@${modelCommit.slice(0, 12)}, dataset ${datasetRepo.fullName}@${datasetCommit.slice(0, 12)}`);

  const facts = await readModelFacts(modelRepo.gitDir, modelCommit);
  const taskId = params.task ?? facts.task;
  if (!taskId) throw new ModaError('EVAL_TASK_UNSUPPORTED', `${modelRepo.fullName} does not say which task it runs (configuration.json task, card pipeline_tag or config.json architectures); give the job a task`);
  const task = evalTaskOf(taskId);
  if (!task) throw new ModaError('EVAL_TASK_UNSUPPORTED', `${taskId} has no evaluation here; evaluable tasks: text-classification, language-identification, image-classification, ocr, automatic-speech-recognition`);
  const metricNames = checkEvalMetrics(task.task, params.metrics);

  progress(0, 'preparing the dataset');
  const manifest = await ensurePrepared(hub, datasetRepo, datasetCommit);
  requireUsable(manifest);
  const config = params.config ?? manifest.configs.find((entry) => entry.config === 'default')?.config ?? manifest.configs[0]?.config ?? 'default';
  const split = findSplit(manifest, config, params.split);
  // A tuned model evaluated on its own dataset reads the columns it was trained on, unless told otherwise.
  const trainedColumns = facts.training?.dataset.toLowerCase() === datasetRepo.fullName.toLowerCase() ? facts.training.columns : undefined;
  const columns = mapEvalColumns(task, split.columns, params.columns ?? trainedColumns);
  const total = Math.min(split.numRows, params.limit ?? Number.POSITIVE_INFINITY);
  if (total === 0) throw new ModaError('EVAL_NO_SAMPLES', `${datasetRepo.fullName} ${config}/${split.split} has no rows`);
  log(`task ${task.task}; ${total} of ${split.numRows} rows of ${config}/${split.split}; input ${columns.input.join(' + ')}, reference ${columns.reference}; metrics ${metricNames.join(', ')}`);

  timings.dataset_prepared = epochMs();
  // What the finish needs from the repos, read while the samples run rather than after them: the
  // results commit is then the finish's only wait. Awaited (and its errors thrown) only there.
  const commitFacts = finishFacts(hub, actor, modelRepo, datasetRepo, datasetCommit, config, split.split);
  commitFacts.catch(() => undefined);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let lastProgress = Number.NEGATIVE_INFINITY;
  const onOpened = () => {
    timings.dataset_opened = epochMs();
  };
  // Samples go out over plain keep-alive node:http (sample-sender.ts: a fraction of fetch's CPU per request).
  const sender = httpSampleSender({ endpoint: context.client.endpoint, token: context.client.token, sockets: hub.config.evalConcurrency });
  const outcomes = await runEvalSamples(sender, readEvalSamples(hub, datasetRepo, manifest, { config, split, columns, input: task.input, limit: params.limit, signal, onOpened }), {
    model: modelRepo.fullName,
    commit: modelCommit,
    task: task.task,
    concurrency: hub.config.evalConcurrency,
    signal,
    timings,
    onSample(done, failed) {
      // At most one progress message per PROGRESS_EVERY_MS (and the last sample's), as tuning's trainer
      // sends them: an IPC message per sample costs the job and the server CPU the model needs, and
      // the server keeps only one per PROGRESS_WRITE_MS anyway.
      const now = performance.now();
      if (done < total && now - lastProgress < PROGRESS_EVERY_MS) return;
      lastProgress = now;
      const seconds = (now - started) / 1000;
      const rate = done / Math.max(seconds, 1e-3);
      progress(0.98 * (done / total), `${done}/${total} samples, ${rate.toFixed(1)}/s, ETA ${formatEta((total - done) / rate)}${failed > 0 ? `, ${failed} failed` : ''}`);
    },
  }).finally(() => sender.close());
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  signal.throwIfAborted();

  const failures: Record<string, number> = {};
  for (const outcome of outcomes) if (outcome.error) failures[outcome.error.code] = (failures[outcome.error.code] ?? 0) + 1;
  const predicted = outcomes.map((outcome) => (outcome.error ? undefined : task.prediction(outcome.output)));
  // An answer not in the task's output shape is that sample's failure, not a silent blank.
  outcomes.forEach((outcome, index) => {
    if (!outcome.error && predicted[index] === undefined) {
      outcome.error = { code: 'TASK_OUTPUT_INVALID', message: 'the answer is not in the task output schema' };
      failures.TASK_OUTPUT_INVALID = (failures.TASK_OUTPUT_INVALID ?? 0) + 1;
    }
  });
  const failed = outcomes.filter((outcome) => outcome.error).length;
  for (const [code, count] of Object.entries(failures)) log(`${count} sample(s) failed with ${code}`);

  let labelMapping: LabelMapping | null = null;
  let predictions: (string | null)[];
  let references: string[];
  let mapper: LabelMapper | undefined;
  if (task.reference === 'label') {
    const classNames = split.columns.find((column) => column.name === columns.reference)?.labels;
    mapper = new LabelMapper({ id2label: facts.id2label, predicted: predicted.filter((label): label is string => label !== undefined && label !== ''), ...(classNames && { classNames }) });
    labelMapping = mapper.report(outcomes.map((outcome) => outcome.reference));
    if (labelMapping.unmapped.length > 0) log(`labels without a model label (their ${labelMapping.unmappedSamples} samples count as wrong): ${labelMapping.unmapped.slice(0, 20).join(', ')}`);
    // Both sides in the model's label space; an unmapped reference can never match a prediction.
    references = outcomes.map((outcome) => mapper!.modelLabelOf(outcome.reference) ?? `unmapped: ${String(outcome.reference)}`);
    predictions = predicted.map((label) => (label === undefined || label === '' ? null : mapper!.canonical(label)));
  } else {
    references = outcomes.map((outcome) => (outcome.reference === null ? '' : String(outcome.reference)));
    predictions = predicted.map((text) => text ?? null);
  }
  const scored = computeEvalMetrics(task.task, metricNames, predictions, references);
  const metrics = scored.values;
  const rate = outcomes.length / Math.max(seconds, 1e-3);
  metrics.push({ type: 'throughput', name: `${task.input === 'image' ? 'images' : 'samples'}/s`, value: rate });
  log(`${metrics.map((metric) => `${metric.name} ${metric.value.toFixed(4)}`).join(', ')}; ${failed} of ${outcomes.length} samples failed`);

  const rows: PredictionRow[] = outcomes.map((outcome, index) => ({
    row_idx: outcome.rowIdx,
    reference: outcome.reference,
    prediction: outcome.error ? null : (predicted[index] ?? null),
    ...(mapper && { reference_label: mapper.modelLabelOf(outcome.reference) ?? null, correct: !outcome.error && mapper.matches(predicted[index], outcome.reference) }),
    error: outcome.error?.code ?? null,
    error_message: outcome.error?.message ?? null,
    output: outcome.output ?? null,
    ms: Math.round(outcome.ms),
  }));
  const artifact = await storePredictions(hub.blobs, rows, signal);
  signal.throwIfAborted();
  timings.predictions_stored = epochMs();

  // Absolute, as model-index and leaderboards expect: the public URL when set, else the one jobs call.
  const jobUrl = `${hub.config.publicUrl || context.client.endpoint}/api/v1/jobs/${context.jobId}`;
  const result: EvaluationResult = {
    model: modelRepo.fullName,
    model_commit: modelCommit,
    dataset: datasetRepo.fullName,
    dataset_commit: datasetCommit,
    config,
    split: split.split,
    task: task.task,
    columns,
    samples: outcomes.length,
    split_rows: split.numRows,
    succeeded: outcomes.length - failed,
    failed,
    failures,
    failure_examples: outcomes.filter((outcome) => outcome.error).slice(0, MAX_FAILURE_EXAMPLES).map((outcome) => ({ row_idx: outcome.rowIdx, code: outcome.error!.code, message: outcome.error!.message })),
    metrics,
    details: scored.details,
    label_mapping: labelMapping,
    throughput: { samples_per_second: rate, seconds, cpu_ms_per_sample: (cpu.user + cpu.system) / 1000 / Math.max(1, outcomes.length) },
    timings,
    artifacts: [artifact],
    commit: null,
    commit_skipped: null,
  };

  const { skipped, prettyName, benchmarkTask } = await commitFacts;
  result.commit_skipped = skipped;
  if (result.commit_skipped) {
    log(result.commit_skipped);
    timings.finished = epochMs();
    return result;
  }
  progress(0.99, 'committing the results');
  const outcome: EvalOutcome = {
    model: modelRepo.fullName,
    modelCommit,
    dataset: datasetRepo.fullName,
    datasetName: typeof prettyName === 'string' && prettyName.trim() !== '' ? prettyName : datasetRepo.fullName,
    datasetCommit,
    config,
    split: split.split,
    task: task.task,
    taskTitle: task.title,
    taskId: benchmarkTask ?? (config === 'default' ? split.split : `${config}/${split.split}`),
    metrics,
    samples: outcomes.length,
    failed,
    splitRows: split.numRows,
    jobUrl,
    jobId: context.jobId,
    date: new Date().toISOString(),
  };
  try {
    result.commit = await commitEvalResults(hub, context.client, modelRepo, outcome, signal);
  } catch (error) {
    // A broken card is the authors' to fix: the scores stand, the commit waits for a re-run.
    if (!isModaError(error) || error.code !== 'MODEL_CARD_INVALID') throw error;
    result.commit_skipped = error.message;
    log(error.message);
    timings.finished = epochMs();
    return result;
  }
  log(`results committed to ${modelRepo.fullName} as ${result.commit.oid.slice(0, 12)}`);
  timings.finished = epochMs();
  return result;
}
