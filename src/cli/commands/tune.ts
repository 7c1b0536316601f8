// `moda tune <dataset> --method … --output …`: starts a `tune` job and waits for it with a progress
// bar (epoch, validation accuracy, ETA), then prints the new commit's URL; `--follow` also streams
// the job's log. A failed or cancelled job exits non-zero with its error code.
import type { Command } from 'commander';
import { createJob, followJob, type JobFollowEvent, type JobInfo } from '../../client/jobs-client.js';
import { errorCatalog, type ErrorCode } from '../../errors/catalog.js';
import { ModaError } from '../../errors/moda-error.js';
import { clientFor, printJson, printLine, type CliIo } from '../cli-context.js';
import { collect, jsonOption, positiveInteger } from '../command-options.js';
import { ProgressBar } from '../progress-bar.js';

const PERMILLE = 1000;

interface TuneOptions {
  method: string;
  output: string;
  baseModel?: string;
  revision?: string;
  config?: string;
  split?: string;
  validationSplit?: string;
  textColumn: string[];
  labelColumn?: string;
  imageColumn?: string;
  epochs?: number;
  lr?: string;
  hyperparameters?: string;
  seed?: string;
  private?: boolean;
  follow?: boolean;
  wait: boolean;
  json?: boolean;
}

function parseObject(text: string, flag: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ModaError('VALIDATION_FAILED', `${flag} must be a JSON object: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ModaError('VALIDATION_FAILED', `${flag} must be a JSON object`);
  return value as Record<string, unknown>;
}

/** The job's params from the command line; unset options are left to the server's defaults. */
export function tuneParams(dataset: string, options: TuneOptions): Record<string, unknown> {
  const hyperparameters = options.hyperparameters ? parseObject(options.hyperparameters, '--hyperparameters') : {};
  if (options.epochs !== undefined) hyperparameters.epochs = options.epochs;
  if (options.lr !== undefined) {
    const lr = Number(options.lr);
    if (!Number.isFinite(lr)) throw new ModaError('VALIDATION_FAILED', '--lr must be a number');
    hyperparameters.learning_rate = lr;
  }
  const columns: Record<string, unknown> = {};
  if (options.textColumn.length > 0) columns.text = options.textColumn.length === 1 ? options.textColumn[0] : options.textColumn;
  if (options.labelColumn) columns.label = options.labelColumn;
  if (options.imageColumn) columns.image = options.imageColumn;
  const seed = options.seed === undefined ? undefined : Number(options.seed);
  if (seed !== undefined && !Number.isInteger(seed)) throw new ModaError('VALIDATION_FAILED', '--seed must be an integer');
  const params: Record<string, unknown> = { method: options.method, dataset, output_repo: options.output };
  const optional: Record<string, unknown> = {
    base_model: options.baseModel,
    dataset_revision: options.revision,
    config: options.config,
    split: options.split,
    validation_split: options.validationSplit,
    columns: Object.keys(columns).length > 0 ? columns : undefined,
    hyperparameters: Object.keys(hyperparameters).length > 0 ? hyperparameters : undefined,
    seed,
    private: options.private,
  };
  for (const [name, value] of Object.entries(optional)) if (value !== undefined) params[name] = value;
  return params;
}

async function waitFor(io: CliIo, events: AsyncIterable<JobFollowEvent>, follow: boolean): Promise<JobInfo | undefined> {
  let bar: ProgressBar | undefined;
  let message = '';
  let done = 0;
  let last: JobInfo | undefined;
  for await (const event of events) {
    if (event.type === 'log') {
      if (!follow) continue;
      if (bar?.interactive) io.stderr.write('\r\x1b[K');
      printLine(io.stdout, event.line);
      bar?.update(done, true);
      continue;
    }
    last = event.job;
    if (event.type === 'end') break;
    if (event.job.state === 'running' && event.job.progress.fraction !== null) {
      message = event.job.progress.message ?? '';
      bar ??= new ProgressBar(io.stderr, 'tune', PERMILLE, () => message);
      done = Math.round(event.job.progress.fraction * PERMILLE);
      bar.update(done);
    }
  }
  if (last?.state === 'succeeded') bar?.finish();
  else if (bar?.interactive) io.stderr.write('\n');
  return last;
}

export function registerTune(program: Command, io: CliIo): void {
  program
    .command('tune')
    .description('Train a model from a dataset as a job (e.g. `moda tune moda/spam-assassin --method fasttext --output me/spam --text-column subject --text-column body`) and print its commit URL')
    .argument('<dataset>', 'dataset repo, namespace/name')
    .requiredOption('--method <name>', 'training method (fasttext, …; GET /api/v1/tune-methods lists them)')
    .requiredOption('--output <repo>', 'model repo to commit to, created when missing')
    .option('--base-model <repo>', 'model the method builds on, namespace/name[@revision]')
    .option('--revision <rev>', 'dataset branch, tag or commit (default its default branch)')
    .option('--config <name>', 'dataset config')
    .option('--split <name>', 'training split (default train)')
    .option('--validation-split <name>', 'validation split (default validation/test, else 15 % held out)')
    .option('--text-column <name>', 'text column; repeat to join several', collect, [])
    .option('--label-column <name>', 'label column')
    .option('--image-column <name>', 'image column')
    .option('--epochs <n>', 'training epochs', positiveInteger)
    .option('--lr <rate>', 'learning rate')
    .option('--hyperparameters <json>', 'other hyperparameters as a JSON object')
    .option('--seed <n>', 'seed (default 42)')
    .option('--private', 'make a new output repo private')
    .option('-f, --follow', 'stream the job log while it runs')
    .option('--no-wait', 'print the job id and return at once')
    .addOption(jsonOption())
    .action(async (dataset: string, options: TuneOptions, command: Command) => {
      const params = tuneParams(dataset, options);
      const { client } = await clientFor(command, io);
      const job = await createJob(client, 'tune', params);
      if (!options.wait) {
        if (options.json) return printJson(io, job);
        return printLine(io.stdout, job.id);
      }
      printLine(io.stderr, `job ${job.id}: tuning ${dataset} with ${options.method} into ${options.output}`);
      const last = await waitFor(io, followJob(client, job.id), options.follow === true);
      if (!last) throw new ModaError('INTERNAL', `lost track of job ${job.id}`);
      if (last.state !== 'succeeded') {
        const reported = last.error?.code ?? 'INTERNAL';
        const code: ErrorCode = last.state === 'cancelled' ? 'JOB_CANCELLED' : reported in errorCatalog ? (reported as ErrorCode) : 'INTERNAL';
        throw new ModaError(code, `job ${job.id} ${last.state}${last.error ? `: ${last.error.code}: ${last.error.message}` : ''}`);
      }
      const result = last.result as { commit_url?: string; url?: string; metrics?: { accuracy?: number; macro_f1?: number } } | null;
      if (options.json) return printJson(io, last);
      if (result?.metrics?.accuracy !== undefined) printLine(io.stderr, `held-out accuracy ${result.metrics.accuracy.toFixed(4)}, macro-F1 ${(result.metrics.macro_f1 ?? 0).toFixed(4)}`);
      printLine(io.stdout, result?.commit_url ?? result?.url ?? JSON.stringify(result));
    });
}
