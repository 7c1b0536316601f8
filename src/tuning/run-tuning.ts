// What every `tune` job does around its method: check the hyperparameters and where the model will
// land, pin the dataset (and base model) to commits, read and check the labelled examples, hold out
// a validation split when the dataset has none, run the method with progress streaming to the job
// log, score the held-out predictions, write the card, the params and the curve, and commit it all at
// once. Anything that fails or is cancelled before that commit leaves the hub as it was.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdir } from 'node:fs/promises';
import { Value } from '@sinclair/typebox/value';
import { ModaError } from '../errors/moda-error.js';
import type { JobContext } from '../jobs/job-type.js';
import { resolveRevision } from '../hub/refs.js';
import { findRepo, visibilityOf } from '../hub/repos/repo-record.js';
import { classificationMetrics, type ClassificationMetrics } from './classification-metrics.js';
import { checkOutputRepo, commitTunedModel } from './commit-tuned-model.js';
import { drawTrainingCurve } from './draw-training-curve.js';
import { readLabelledExamples, type ColumnMapping } from './read-labelled-examples.js';
import { splitValidation, VALIDATION_FRACTION } from './split-validation.js';
import type { TrainProgress, TuneExample, TuneMethod } from './tune-method.js';
import { findTuneMethod } from './tune-methods.js';
import { CARD_FILE, CONFIGURATION_FILE, FRAMEWORK_FILES, METRICS_FILE, TRAINING_CURVE_FILE, TRAINING_PARAMS_FILE } from './tuned-files.js';
import { tunedModelCard } from './tuned-model-card.js';

export interface TuneParams {
  method: string;
  base_model?: string;
  dataset: string;
  dataset_revision?: string;
  config?: string;
  split?: string;
  validation_split?: string;
  columns?: ColumnMapping;
  hyperparameters?: Record<string, unknown>;
  seed?: number;
  output_repo: string;
  private?: boolean;
}

export interface TuneResult {
  repo: string;
  commit: string;
  url: string;
  commit_url: string;
  method: string;
  dataset: string;
  base_model: string | null;
  private: boolean;
  training_seconds: number;
  /** The method's own figures (fastText: words_per_second, vocabulary, …). */
  stats: Record<string, number>;
  metrics: { accuracy: number; macro_f1: number; examples: number; per_class: ClassificationMetrics['per_class'] };
}

export const DEFAULT_SEED = 42;
/** Share of the job's progress bar before and after training (reading data, scoring, committing). */
const TRAIN_START = 0.1;
const TRAIN_END = 0.9;

const MODA_VERSION = (() => {
  try {
    const path = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json');
    return (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();

/** The method's hyperparameters with defaults filled in; TUNE_HYPERPARAMETERS_INVALID names the first problem. */
export function resolveHyperparameters(method: TuneMethod, given: Record<string, unknown> = {}): Record<string, unknown> {
  const value = Value.Default(method.hyperparameters, structuredClone(given)) as Record<string, unknown>;
  if (!Value.Check(method.hyperparameters, value)) {
    const first = [...Value.Errors(method.hyperparameters, value)][0];
    throw new ModaError('TUNE_HYPERPARAMETERS_INVALID', `hyperparameters of the ${method.name} method: ${first ? `${first.path || '/'} ${first.message}` : 'do not match its schema'}`, { details: { schema: method.hyperparameters } });
  }
  return value;
}

/** The checks that need no data: method, hyperparameters, base model rule. Run when the job is created and again when it runs. */
export function checkTuneParams(params: TuneParams): { method: TuneMethod; hyperparameters: Record<string, unknown> } {
  const method = findTuneMethod(params.method);
  const hyperparameters = resolveHyperparameters(method, params.hyperparameters);
  if (method.baseModel === 'required' && params.base_model === undefined) throw new ModaError('TUNE_BASE_MODEL_INVALID', `the ${method.name} method needs base_model`);
  if (method.baseModel === 'none' && params.base_model !== undefined) throw new ModaError('TUNE_BASE_MODEL_INVALID', `the ${method.name} method trains from scratch and takes no base_model`);
  return { method, hyperparameters };
}

function countBy(examples: readonly TuneExample[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const example of examples) counts[example.label] = (counts[example.label] ?? 0) + 1;
  return counts;
}

function sha256(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

function describeProgress(point: TrainProgress): string {
  const parts = [`epoch ${Math.min(point.epochs, Math.max(1, Math.ceil(point.epoch)))}/${point.epochs}`];
  if (point.validationAccuracy !== undefined) parts.push(`val acc ${point.validationAccuracy.toFixed(3)}`);
  if (point.etaSeconds !== undefined) parts.push(`ETA ${Math.round(point.etaSeconds)} s`);
  return parts.join(' · ');
}

/** The log line the web UI and CLI draw the curve from: `curve {json}`. */
export function curveLogLine(point: TrainProgress): string {
  return `curve ${JSON.stringify({ epoch: round(point.epoch), epochs: point.epochs, step: point.step, loss: point.loss, validation_loss: point.validationLoss === undefined ? undefined : round(point.validationLoss), validation_accuracy: point.validationAccuracy === undefined ? undefined : round(point.validationAccuracy), eta_s: point.etaSeconds === undefined ? undefined : Math.round(point.etaSeconds) })}`;
}

function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}

export async function runTuning(job: JobContext<TuneParams>): Promise<TuneResult> {
  const { params, hub, actor, signal } = job;
  const { method, hyperparameters } = checkTuneParams(params);
  const seed = params.seed ?? DEFAULT_SEED;
  job.progress(0, 'checking the output repo');
  await checkOutputRepo(hub, actor, params.output_repo);

  let baseModel: { repo: string; commit: string; gitDir: string } | undefined;
  if (params.base_model !== undefined) {
    const [id = '', revision] = params.base_model.split('@');
    const repo = await findRepo(hub, actor, 'model', id);
    const { commit } = await resolveRevision(repo.gitDir, revision ?? repo.row.default_branch);
    baseModel = { repo: repo.fullName, commit, gitDir: repo.gitDir };
    job.log(`base model ${repo.fullName}@${commit}`);
  }

  // Methods whose input depends on the base model (and that refuse a base that cannot serve them) say so before any data is read.
  const resolved = method.inputFor && baseModel ? await method.inputFor(baseModel, { hub, actor }) : { input: method.input, task: method.task };
  job.progress(0.02, `reading ${params.dataset}`);
  const data = await readLabelledExamples(hub, actor, {
    dataset: params.dataset,
    revision: params.dataset_revision,
    config: params.config,
    split: params.split,
    validationSplit: params.validation_split,
    columns: params.columns,
    input: resolved.input,
    maxRows: hub.config.tuneMaxRows,
  });
  signal.throwIfAborted();
  const datasetRef = `${data.repo.fullName}@${data.commit}`;
  job.log(`dataset ${datasetRef}, config ${data.config}, training split ${data.trainSplit}${data.validationSplit ? `, validation split ${data.validationSplit}` : ''}, columns ${JSON.stringify(data.columns)}`);
  job.log(`${data.train.length} training rows${data.validation ? `, ${data.validation.length} validation rows` : ''}; left out: ${data.dropped.emptyText} with an empty text, ${data.dropped.noLabel} without a label`);

  const readTrain = data.train.length + data.dropped.emptyText;
  if (data.train.length === 0 && data.dropped.emptyText > 0) throw new ModaError('TUNE_EMPTY_TEXTS', `every text in ${data.columns.text?.join(', ')} of split ${data.trainSplit} is empty`);
  if (data.dropped.emptyText * 2 > readTrain) throw new ModaError('TUNE_EMPTY_TEXTS', `${data.dropped.emptyText} of ${readTrain} labelled rows have an empty ${data.columns.text?.join('/')}; is that the text column?`);
  const labels = [...new Set(data.train.map((example) => example.label))].sort();
  if (labels.length === 0) throw new ModaError('TUNE_NOT_ENOUGH_ROWS', `split ${data.trainSplit} has no labelled rows in column ${data.columns.label}`);
  if (labels.length === 1) throw new ModaError('TUNE_ONE_CLASS', `column ${data.columns.label} of split ${data.trainSplit} holds one class only (${JSON.stringify(labels[0]).slice(0, 100)}); a classifier needs two or more`);
  const maxClasses = Math.min(hub.config.tuneMaxClasses, method.maxClasses ?? Infinity);
  if (labels.length > maxClasses) throw new ModaError('TUNE_TOO_MANY_CLASSES', `column ${data.columns.label} holds ${labels.length} classes; a ${method.name} job allows at most ${maxClasses} — is it an id or free-text column?`);

  const split = data.validation ? { train: data.train, validation: data.validation } : splitValidation(data.train, seed);
  if (split.validation.length === 0) throw new ModaError('TUNE_NOT_ENOUGH_ROWS', `no row could be held out for validation: give each class at least two rows, or a validation split`);
  job.log(`training on ${split.train.length} examples of ${labels.length} classes, validating on ${split.validation.length}${data.validation ? '' : ` (${Math.round(VALIDATION_FRACTION * 100)} % of each class, seed ${seed})`}`);

  const curve: TrainProgress[] = [];
  const scratchDir = join(job.tempDir, 'method');
  await mkdir(scratchDir, { recursive: true });
  const started = performance.now();
  const trained = await method.train({
    hyperparameters,
    seed,
    train: split.train,
    validation: split.validation,
    labels,
    baseModel,
    dataset: { repo: data.repo.fullName, commit: data.commit, gitDir: data.repo.gitDir },
    report(point) {
      if (point.validationAccuracy !== undefined || point.validationLoss !== undefined || point.loss !== undefined) {
        curve.push(point);
        job.log(curveLogLine(point));
      }
      job.progress(TRAIN_START + (TRAIN_END - TRAIN_START) * Math.min(1, Math.max(0, point.fraction)), point.message ?? describeProgress(point));
    },
    log: job.log,
    signal,
    scratchDir,
    hub,
    actor,
  });
  const trainingSeconds = (performance.now() - started) / 1000;
  signal.throwIfAborted();
  if (trained.predictions.length !== split.validation.length) throw new ModaError('TUNE_TRAINING_FAILED', `the ${method.name} method returned ${trained.predictions.length} predictions for ${split.validation.length} validation examples`);
  for (const file of trained.files) if (FRAMEWORK_FILES.includes(file.path)) throw new ModaError('TUNE_TRAINING_FAILED', `the ${method.name} method may not write ${file.path}: the framework writes it`);

  job.progress(TRAIN_END, 'scoring and writing the model card');
  const metricLabels = [...new Set([...labels, ...split.validation.map((example) => example.label)])];
  const metrics = classificationMetrics(metricLabels, split.validation.map((example) => example.label), trained.predictions);
  job.log(`held-out accuracy ${metrics.accuracy.toFixed(4)}, macro-F1 ${metrics.macro_f1.toFixed(4)} on ${metrics.examples} examples`);

  const isPrivate = params.private ?? visibilityOf(data.repo.row) !== 'public';
  const reproducibility =
    trained.reproducibility ??
    `Training used seed ${seed} and the dataset at commit \`${data.commit}\`; the same \`training_params.json\` on the same commit gives byte-identical weights (sha256 of each file below).`;
  const fileHashes = Object.fromEntries(trained.files.map((file) => [file.path, sha256(file.content)]));
  const trainingParams = {
    method: method.name,
    task: resolved.task,
    hyperparameters,
    seed,
    dataset: { id: data.repo.fullName, commit: data.commit, config: data.config, train_split: data.trainSplit, validation_split: data.validationSplit ?? null, validation_fraction: data.validationSplit ? null : VALIDATION_FRACTION },
    columns: data.columns,
    base_model: baseModel ? { id: baseModel.repo, commit: baseModel.commit } : null,
    labels,
    examples: { train: split.train.length, validation: split.validation.length, left_out_empty_text: data.dropped.emptyText, left_out_no_label: data.dropped.noLabel },
    files_sha256: fileHashes,
    moda_version: MODA_VERSION,
    job: job.jobId,
  };
  const endpoint = hub.config.publicUrl || job.client.endpoint;
  const jobUrl = `${endpoint}/jobs?id=${job.jobId}`;
  const card = tunedModelCard({
    repo: params.output_repo,
    method: { name: method.name, description: method.description, library: trained.pipeline.framework },
    task: resolved.task,
    dataset: { id: data.repo.fullName, commit: data.commit, config: data.config, trainSplit: data.trainSplit, validationSplit: data.validationSplit, validationFraction: VALIDATION_FRACTION },
    baseModel: baseModel ? { id: baseModel.repo, commit: baseModel.commit } : undefined,
    columns: data.columns,
    labels,
    trainCounts: countBy(split.train),
    validationCount: split.validation.length,
    dropped: data.dropped,
    metrics,
    hyperparameters,
    seed,
    trainingSeconds,
    stats: trained.stats ?? {},
    reproducibility,
    ...(trained.limitations && { methodLimitations: trained.limitations }),
    jobId: job.jobId,
    jobUrl,
    modaVersion: MODA_VERSION,
    private: isPrivate && params.private === undefined,
  });
  const configuration = {
    framework: trained.pipeline.framework,
    task: resolved.task,
    pipeline: { type: trained.pipeline.type },
    model: trained.pipeline.model,
    id2label: Object.fromEntries(labels.map((label, index) => [String(index), label])),
    ...trained.configuration,
  };
  const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
  const files = [
    ...trained.files,
    { path: CONFIGURATION_FILE, content: json(configuration) },
    { path: TRAINING_PARAMS_FILE, content: json(trainingParams) },
    { path: METRICS_FILE, content: json({ ...metrics, curve }) },
    { path: TRAINING_CURVE_FILE, content: await drawTrainingCurve(curve, `${params.output_repo}: ${method.name} on ${data.repo.fullName}`) },
    { path: CARD_FILE, content: new TextEncoder().encode(card) },
  ];
  // The last moment a cancel can win: after this the commit is whole or absent.
  signal.throwIfAborted();
  job.progress(0.95, `committing to ${params.output_repo}`);
  const { repo, commit, removed } = await commitTunedModel(hub, actor, {
    repoId: params.output_repo,
    private: isPrivate,
    files,
    summary: `Tune ${method.name} on ${data.repo.fullName}@${data.commit.slice(0, 12)}: accuracy ${metrics.accuracy.toFixed(4)}`,
    description: `Trained by Moda job ${job.jobId}. Dataset ${datasetRef}${baseModel ? `, base model ${baseModel.repo}@${baseModel.commit}` : ''}.`,
  });
  job.log(`committed ${repo.fullName}@${commit}${removed.length > 0 ? `, removing what the previous tuned model had and this one does not: ${removed.join(', ')}` : ''}`);
  job.progress(1, 'done');
  return {
    repo: repo.fullName,
    commit,
    url: `${endpoint}/${repo.fullName}`,
    commit_url: `${endpoint}/${repo.fullName}/commit/${commit}`,
    method: method.name,
    dataset: datasetRef,
    base_model: baseModel ? `${baseModel.repo}@${baseModel.commit}` : null,
    private: isPrivate,
    training_seconds: round(trainingSeconds),
    stats: trained.stats ?? {},
    metrics: { accuracy: round(metrics.accuracy), macro_f1: round(metrics.macro_f1), examples: metrics.examples, per_class: metrics.per_class },
  };
}
