// `moda jobs [list]|show|logs [-f]|cancel|retry|create`: jobs on the server (catalog import, pull,
// …). `logs -f` and `create -f` follow a job to its end with a progress bar on a terminal, and exit
// non-zero when it fails or is cancelled.
import { Option, type Command } from 'commander';
import { cancelJob, createJob, followJob, getJob, isFinished, JOB_STATES, jobLogs, listJobs, retryJob, type JobInfo, type JobState } from '../../client/jobs-client.js';
import type { ModaClient } from '../../client/moda-client.js';
import { ModaError } from '../../errors/moda-error.js';
import { clientFor, printJson, printLine, type CliIo } from '../cli-context.js';
import { jsonOption, positiveInteger } from '../command-options.js';
import { formatTable } from '../format-output.js';
import { ProgressBar } from '../progress-bar.js';

const PERMILLE = 1000;

function progressText(job: JobInfo): string {
  const percent = job.progress.fraction === null ? '' : `${Math.floor(job.progress.fraction * 100)}%`;
  return [percent, job.progress.message ?? ''].filter(Boolean).join(' ') || '-';
}

function describe(job: JobInfo): string {
  const lines = [
    `${job.id}  ${job.type}  ${job.state}${job.cancel_requested && job.state === 'running' ? ' (cancelling)' : ''}`,
    `  owner ${job.owner}, attempt ${job.attempts} of ${job.max_attempts}`,
    `  created ${job.created_at}${job.started_at ? `, started ${job.started_at}` : ''}${job.finished_at ? `, finished ${job.finished_at}` : ''}`,
    `  params ${JSON.stringify(job.params)}`,
  ];
  if (!isFinished(job)) lines.push(`  progress ${progressText(job)}`);
  if (job.error) lines.push(`  error ${job.error.code}: ${job.error.message}`);
  if (job.result !== null) lines.push(`  result ${JSON.stringify(job.result)}`);
  return lines.join('\n');
}

/** Prints the log from `after` on and follows the job to its end; returns the last record. */
export async function follow(io: CliIo, client: ModaClient, id: string, after = 0): Promise<JobInfo | undefined> {
  let bar: ProgressBar | undefined;
  let last: JobInfo | undefined;
  let done = 0;
  let message = '';
  for await (const event of followJob(client, id, { after })) {
    if (event.type === 'log') {
      // Log lines are the output (stdout); the bar on stderr is cleared and drawn again below them.
      if (bar?.interactive) io.stderr.write('\r\x1b[K');
      printLine(io.stdout, event.line);
      bar?.update(done, true);
      continue;
    }
    last = event.job;
    if (event.type === 'end') break;
    if (event.job.state === 'running' && event.job.progress.fraction !== null) {
      message = event.job.progress.message ?? '';
      bar ??= new ProgressBar(io.stderr, event.job.type, PERMILLE, () => message);
      done = Math.round(event.job.progress.fraction * PERMILLE);
      bar.update(done);
    }
  }
  if (last?.state === 'succeeded') bar?.finish();
  else if (bar?.interactive) io.stderr.write('\n');
  return last;
}

export function endOf(io: CliIo, job: JobInfo | undefined): void {
  if (!job) return;
  printLine(io.stderr, `job ${job.id} ${job.state}${job.error ? `: ${job.error.code}: ${job.error.message}` : ''}`);
  if (job.state !== 'succeeded') throw new ModaError(job.state === 'cancelled' ? 'JOB_CANCELLED' : 'INTERNAL', `job ${job.id} ${job.state}`);
}

export function registerJobs(program: Command, io: CliIo): void {
  const jobs = program.command('jobs').description('List, follow, cancel and retry jobs on the server (catalog import, pull, …)');

  jobs
    .command('list', { isDefault: true })
    .description('List jobs, newest first (yours; site admins: everyone\'s)')
    .addOption(new Option('--state <state>', 'only jobs in this state').choices([...JOB_STATES]))
    .option('--type <type>', 'only jobs of this type')
    .option('--owner <user>', "only this user's jobs (site admins)")
    .option('--limit <n>', 'at most this many', positiveInteger, 50)
    .addOption(jsonOption())
    .action(async (options: { state?: JobState; type?: string; owner?: string; limit: number; json?: boolean }, command: Command) => {
      const { client } = await clientFor(command, io);
      const list = await listJobs(client, { state: options.state, type: options.type, owner: options.owner, limit: options.limit });
      if (options.json) return printJson(io, list);
      if (list.length === 0) return printLine(io.stdout, 'no jobs');
      printLine(io.stdout, formatTable([['ID', 'TYPE', 'STATE', 'PROGRESS', 'OWNER', 'CREATED', 'ATTEMPTS'], ...list.map((job) => [job.id, job.type, job.state, isFinished(job) ? (job.error?.code ?? '-') : progressText(job), job.owner, job.created_at, `${job.attempts}/${job.max_attempts}`])]));
    });

  jobs
    .command('show')
    .description('Show one job: state, progress, params, result or error')
    .argument('<id>', 'job id')
    .addOption(jsonOption())
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const { client } = await clientFor(command, io);
      const job = await getJob(client, id);
      if (options.json) return printJson(io, job);
      printLine(io.stdout, describe(job));
    });

  jobs
    .command('logs')
    .description("Print a job's log; with -f follow it until the job ends (exit status 1 unless it succeeded)")
    .argument('<id>', 'job id')
    .option('-f, --follow', 'keep printing new lines, with a progress bar on a terminal, until the job ends')
    .action(async (id: string, options: { follow?: boolean }, command: Command) => {
      const { client } = await clientFor(command, io);
      if (options.follow) return endOf(io, await follow(io, client, id));
      const { lines } = await jobLogs(client, id, { limit: 10_000 });
      for (const line of lines) printLine(io.stdout, line.line);
    });

  jobs
    .command('cancel')
    .description('Cancel a queued or running job (a running one stops within a second, keeping nothing half-written)')
    .argument('<id>', 'job id')
    .action(async (id: string, _options: object, command: Command) => {
      const { client } = await clientFor(command, io);
      const job = await cancelJob(client, id);
      printLine(io.stderr, job.state === 'running' ? `cancelling job ${id}` : `job ${id} ${job.state}`);
    });

  jobs
    .command('retry')
    .description('Run a failed or cancelled job again')
    .argument('<id>', 'job id')
    .option('-f, --follow', 'follow it until it ends')
    .action(async (id: string, options: { follow?: boolean }, command: Command) => {
      const { client } = await clientFor(command, io);
      const job = await retryJob(client, id);
      printLine(io.stderr, `job ${id} ${job.state} again`);
      if (options.follow) endOf(io, await follow(io, client, id, job.log_lines));
    });

  jobs
    .command('create')
    .description('Start a job on the server, e.g. `moda jobs create pull --params \'{"source":"hf:ns/name"}\' -f`')
    .argument('<type>', 'job type (GET /api/v1/job-types lists them)')
    .option('--params <json>', 'params as a JSON object', '{}')
    .option('-f, --follow', 'follow it until it ends')
    .addOption(jsonOption())
    .action(async (type: string, options: { params: string; follow?: boolean; json?: boolean }, command: Command) => {
      let params: unknown;
      try {
        params = JSON.parse(options.params);
      } catch (error) {
        throw new ModaError('VALIDATION_FAILED', `--params must be a JSON object: ${(error as Error).message}`);
      }
      if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new ModaError('VALIDATION_FAILED', '--params must be a JSON object');
      const { client } = await clientFor(command, io);
      const job = await createJob(client, type, params as Record<string, unknown>);
      if (options.json && !options.follow) return printJson(io, job);
      printLine(options.follow ? io.stderr : io.stdout, job.id);
      if (options.follow) endOf(io, await follow(io, client, job.id));
    });
}
