// `moda eval <model> <dataset>`: starts an `eval` job on the server (the model run on a split of
// the dataset through the serving path), and with --follow shows its progress bar and log until it
// ends, then the scores and the results commit.
import type { Command } from 'commander';
import { createJob, type JobInfo } from '../../client/jobs-client.js';
import { ModaError } from '../../errors/moda-error.js';
import { clientFor, printJson, printLine, type CliIo } from '../cli-context.js';
import { collect, jsonOption, positiveInteger } from '../command-options.js';
import { formatTable } from '../format-output.js';
import { endOf, follow } from './jobs.js';

interface EvalCommandOptions {
  split: string;
  config?: string;
  metrics: string[];
  limit?: number;
  input: string[];
  reference?: string;
  revision?: string;
  datasetRevision?: string;
  task?: string;
  follow?: boolean;
  json?: boolean;
}

interface EvalJobResult {
  samples?: number;
  failed?: number;
  metrics?: { name: string; value: number }[];
  label_mapping?: { unmapped: string[] } | null;
  commit?: { oid: string; url: string } | null;
  commit_skipped?: string | null;
}

function printResult(io: CliIo, job: JobInfo): void {
  const result = (job.result ?? {}) as EvalJobResult;
  printLine(io.stdout, formatTable([['METRIC', 'VALUE'], ...(result.metrics ?? []).map((metric) => [metric.name, metric.value.toFixed(4)])]));
  printLine(io.stdout, `${result.samples ?? 0} samples, ${result.failed ?? 0} failed (counted as wrong)`);
  if (result.label_mapping && result.label_mapping.unmapped.length > 0) printLine(io.stdout, `labels the model does not have (counted as wrong): ${result.label_mapping.unmapped.join(', ')}`);
  if (result.commit) printLine(io.stdout, `results committed: ${result.commit.url}`);
  else if (result.commit_skipped) printLine(io.stdout, `no commit: ${result.commit_skipped}`);
}

export function registerEval(program: Command, io: CliIo): void {
  program
    .command('eval')
    .description("Evaluate a model on a dataset split on the server (an `eval` job); results become a commit to the model when you may write it")
    .argument('<model>', 'model repo id (namespace/name)')
    .argument('<dataset>', 'dataset repo id (namespace/name)')
    .option('--split <split>', 'split to evaluate on', 'test')
    .option('--config <config>', "dataset config (default: the dataset's first)")
    .option('--metrics <metric>', "a metric to compute (repeatable, or comma-separated; default: the task's)", (value: string, previous: string[]) => collect(value, previous).flatMap((item) => item.split(',')).filter(Boolean), [])
    .option('--limit <n>', 'evaluate only the first N rows', positiveInteger)
    .option('--input <column>', 'dataset column fed to the model (repeatable: text columns are joined)', collect, [])
    .option('--reference <column>', 'dataset column with the expected answer')
    .option('--revision <revision>', 'model branch, tag or commit (default: its default branch)')
    .option('--dataset-revision <revision>', 'dataset branch, tag or commit')
    .option('--task <task>', "task to run the model as, when its files do not say")
    .option('-f, --follow', 'show progress and the log until the job ends, then the scores')
    .addOption(jsonOption())
    .action(async (model: string, dataset: string, options: EvalCommandOptions, command: Command) => {
      const { client } = await clientFor(command, io);
      const columns = {
        ...(options.input.length > 0 && { input: options.input.length === 1 ? options.input[0]! : options.input }),
        ...(options.reference !== undefined && { reference: options.reference }),
      };
      const params = {
        model,
        dataset,
        split: options.split,
        ...(options.config !== undefined && { config: options.config }),
        ...(options.metrics.length > 0 && { metrics: options.metrics }),
        ...(options.limit !== undefined && { limit: options.limit }),
        ...(Object.keys(columns).length > 0 && { columns }),
        ...(options.revision !== undefined && { model_revision: options.revision }),
        ...(options.datasetRevision !== undefined && { dataset_revision: options.datasetRevision }),
        ...(options.task !== undefined && { task: options.task }),
      };
      const job = await createJob(client, 'eval', params);
      if (!options.follow) {
        if (options.json) return printJson(io, job);
        printLine(io.stdout, job.id);
        printLine(io.stderr, `follow it with: moda jobs logs -f ${job.id}`);
        return;
      }
      printLine(io.stderr, `job ${job.id}`);
      const last = await follow(io, client, job.id);
      if (last?.state === 'succeeded' && options.json) return printJson(io, last.result);
      if (last?.state === 'succeeded') printResult(io, last);
      if (!last) throw new ModaError('INTERNAL', `lost job ${job.id}`);
      endOf(io, last);
    });
}
