// `moda worker`: a cluster process that runs jobs and serves no HTTP. BullMQ on MODA_REDIS_URL hands
// it jobs (MODA_JOB_CONCURRENCY at once); each job acts through the cluster's HTTP API, which it
// reaches at MODA_PUBLIC_URL (the load balancer). SIGTERM or SIGINT stop it: running jobs are
// stopped and go back to the queue for another worker.
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { ModaError } from '../../errors/moda-error.js';
import { BullmqJobQueue } from '../../jobs/bullmq-job-queue.js';
import { loadJobTypes } from '../../jobs/register-job-types.js';
import { openHub } from '../../server/start-server.js';
import { printLine, type CliIo } from '../cli-context.js';

export function registerWorker(program: Command, io: CliIo): void {
  program
    .command('worker')
    .description('Run cluster jobs (needs MODA_REDIS_URL and MODA_PUBLIC_URL); no HTTP serving')
    .action(async () => {
      const config = loadConfig(io.env);
      if (!config.redisUrl) throw new ModaError('CONFIG_INVALID', 'moda worker needs MODA_REDIS_URL: without Redis, `moda serve` runs the jobs itself');
      if (!config.publicUrl) throw new ModaError('CONFIG_INVALID', "moda worker needs MODA_PUBLIC_URL: the URL of the cluster's HTTP API, which jobs act through");
      const hub = await openHub(config);
      const registry = await loadJobTypes(config.jobModules);
      const queue = new BullmqJobQueue(hub, registry, (message, error) => io.stderr.write(`${message}: ${error instanceof Error ? error.message : String(error)}\n`), { redisUrl: config.redisUrl, worker: true });
      await queue.start({ serverUrl: config.publicUrl });
      printLine(io.stdout, `Moda worker running jobs for ${config.publicUrl} (types: ${registry.list().map((type) => type.type).join(', ')})`);
      await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await queue.close();
      await hub.lease?.close();
      await hub.db.destroy();
    });
}
