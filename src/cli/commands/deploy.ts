// `moda deploy|undeploy|deployments`: pin a hub model to a commit and keep it loaded on the server
// with its own batching settings; progress streams while the server loads and measures it.
import { Option, type Command } from 'commander';
import { DEPLOYMENT_MAX_CONCURRENCY, type DeploymentInfo, type DeploymentProgress } from '../../client/api-types.js';
import { ModaError } from '../../errors/moda-error.js';
import { clientFor, printJson, printLine, type CliIo } from '../cli-context.js';
import { jsonOption, positiveInteger } from '../command-options.js';
import { formatBytes, formatTable } from '../format-output.js';

function batchSize(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : positiveInteger(value);
}

function delay(value: string): number {
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms < 0) throw new ModaError('VALIDATION_FAILED', `--max-queue-delay must be a number of milliseconds, got "${value}"`);
  return ms;
}

/** Checked here as the server would, so a typo fails before anything is loaded. */
function concurrency(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  const count = Number(value);
  if (!/^\d+$/.test(value) || count < 1 || count > DEPLOYMENT_MAX_CONCURRENCY) {
    throw new ModaError('VALIDATION_FAILED', `--max-concurrency must be auto or an integer from 1 to ${DEPLOYMENT_MAX_CONCURRENCY}, got "${value}"`);
  }
  return count;
}

function instances(deployment: DeploymentInfo): string {
  const loaded = deployment.instances === undefined ? 'not loaded' : `${deployment.instances} instance${deployment.instances === 1 ? '' : 's'}`;
  const keepAlive = deployment.keep_alive === 'forever' ? 'kept loaded' : `unloaded after ${deployment.keep_alive} idle${deployment.expires_at ? ` (at ${deployment.expires_at})` : ''}`;
  return `${loaded} (max concurrency ${deployment.max_concurrency}), ${keepAlive}`;
}

/** Checked here as the server would: forever, a duration (30s, 10m, 1h) or seconds. */
function keepAlive(value: string): string | number {
  if (value === 'forever') return value;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (/^\d+(\.\d+)?(ms|s|m|h)$/.test(value)) return value;
  throw new ModaError('VALIDATION_FAILED', `--keep-alive must be forever, a duration such as 30s, 10m or 1h, or seconds, got "${value}"`);
}

function describe(deployment: DeploymentInfo): string {
  const size = deployment.batching.effective_batch_size ?? deployment.batching.max_batch_size;
  const measured = deployment.calibration?.points.map((point) => `${point.batch_size}→${point.items_per_second}/s`).join(' ');
  return [
    `${deployment.name}: ${deployment.model}@${deployment.commit.slice(0, 12)} (${deployment.task}) ${deployment.state}`,
    `  batch size ${size}${deployment.batching.max_batch_size === 'auto' ? ' (measured)' : ''}, queue delay ${deployment.batching.max_queue_delay_ms} ms${deployment.memory_bytes ? `, ${formatBytes(deployment.memory_bytes)}` : ''}`,
    `  ${instances(deployment)}`,
    ...(measured ? [`  measured: ${measured}`] : []),
    `  POST ${deployment.endpoint}`,
  ].join('\n');
}

async function follow(io: CliIo, progress: AsyncGenerator<DeploymentProgress, DeploymentInfo, undefined>): Promise<DeploymentInfo> {
  for (;;) {
    const next = await progress.next();
    if (next.done) return next.value;
    if (typeof next.value === 'object' && 'deployment' in next.value && typeof next.value.deployment === 'string') printLine(io.stderr, `${next.value.status}…`);
  }
}

export function registerDeploy(program: Command, io: CliIo): void {
  program
    .command('deploy')
    .description('Deploy a hub model on the server: pinned to a commit, loaded, batch size measured')
    .argument('<model>', 'namespace/name')
    .option('--name <name>', 'deployment name (default: namespace--name)')
    .option('--revision <rev>', 'branch, tag or commit to pin', 'main')
    .option('--task <task>', 'task to serve (default: the model\'s)')
    .option('--max-batch-size <n>', 'inputs per batch, or auto (measured)', batchSize)
    .option('--max-queue-delay <ms>', 'how long an idle model waits to fill a batch', delay)
    .option('--max-concurrency <n|auto>', `model instances running batches at once (1 to ${DEPLOYMENT_MAX_CONCURRENCY}), or auto (the server's choice)`, concurrency)
    .option('--keep-alive <duration>', 'unload the model after this long idle (30s, 10m, 1h; forever = never); the next request loads it again', keepAlive)
    .option('--required', '/readyz waits for this deployment (site admins only)')
    .option('--redeploy', 'update an existing deployment: pin the revision again and reload')
    .addOption(jsonOption())
    .action(async (model: string, options: { name?: string; revision: string; task?: string; maxBatchSize?: number | 'auto'; maxQueueDelay?: number; maxConcurrency?: number | 'auto'; keepAlive?: string | number; required?: boolean; redeploy?: boolean; json?: boolean }, command: Command) => {
      const { client } = await clientFor(command, io);
      const batching = { ...(options.maxBatchSize !== undefined && { max_batch_size: options.maxBatchSize }), ...(options.maxQueueDelay !== undefined && { max_queue_delay_ms: options.maxQueueDelay }) };
      const scaling = { ...(options.maxConcurrency !== undefined && { max_concurrency: options.maxConcurrency }), ...(options.keepAlive !== undefined && { keep_alive: options.keepAlive }) };
      const deployment = options.redeploy
        ? await follow(io, client.redeployIter(options.name ?? model.replace('/', '--').toLowerCase(), { revision: options.revision, redeploy: true, batching, ...scaling, ...(options.required !== undefined && { required: options.required }) }))
        : await follow(io, client.deployIter({ model, revision: options.revision, batching, ...scaling, ...(options.name && { name: options.name }), ...(options.task && { task: options.task }), ...(options.required && { required: true }) }));
      if (options.json) printJson(io, deployment);
      else printLine(io.stdout, describe(deployment));
    });

  program
    .command('undeploy')
    .description('Remove a deployment (the model is unloaded)')
    .argument('<name>', 'deployment name')
    .action(async (name: string, _options: unknown, command: Command) => {
      const { client } = await clientFor(command, io);
      await client.deleteDeployment(name);
      printLine(io.stdout, `removed ${name}`);
    });

  program
    .command('deployments')
    .description('List deployments (or show one)')
    .argument('[name]', 'deployment name')
    .addOption(jsonOption())
    .addOption(new Option('--wide', 'show measured batch sizes too'))
    .action(async (name: string | undefined, options: { json?: boolean; wide?: boolean }, command: Command) => {
      const { client } = await clientFor(command, io);
      if (name) {
        const deployment = await client.getDeployment(name);
        return options.json ? printJson(io, deployment) : printLine(io.stdout, describe(deployment));
      }
      const deployments = await client.listDeployments();
      if (options.json) return printJson(io, deployments);
      if (options.wide) return printLine(io.stdout, deployments.map(describe).join('\n'));
      printLine(
        io.stdout,
        formatTable([
          ['NAME', 'MODEL', 'COMMIT', 'TASK', 'STATE', 'BATCH', 'INSTANCES'],
          ...deployments.map((entry) => [entry.name, entry.model, entry.commit.slice(0, 12), entry.task, entry.state, String(entry.batching.effective_batch_size ?? entry.batching.max_batch_size), entry.instances === undefined ? '-' : String(entry.instances)]),
        ]),
      );
    });
}
