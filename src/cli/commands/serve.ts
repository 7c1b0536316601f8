// `moda serve`: runs the hub server in the foreground until SIGINT, or SIGTERM which drains it first.
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { ModaError } from '../../errors/moda-error.js';
import { startServer } from '../../server/start-server.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the Moda server (hub API, LFS, downloads)')
    .option('--host <host>', 'address to listen on (MODA_HOST)')
    .option('--port <port>', 'port to listen on (MODA_PORT)')
    .option('--home <dir>', 'data directory (MODA_HOME)')
    .action(async (options: { host?: string; port?: string; home?: string }) => {
      const port = options.port === undefined ? undefined : Number(options.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
        throw new ModaError('CONFIG_INVALID', `--port must be a port number, got "${options.port}"`);
      }
      const config = loadConfig(process.env, {
        ...(options.host !== undefined && { host: options.host }),
        ...(port !== undefined && { port }),
        ...(options.home !== undefined && { home: options.home }),
      });
      const server = await startServer(config, { logger: true });
      process.stdout.write(`Moda listening on ${server.url} (data in ${config.home})\n`);
      if (!config.adminToken) process.stdout.write(`Admin token: see ${config.home}/admin-token (or set MODA_ADMIN_TOKEN)\n`);
      // SIGTERM (an orchestrator, a rolling restart) drains; SIGINT (Ctrl-C) stops at once.
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      if (signal === 'SIGTERM') await server.drain();
      else await server.close();
    });
}
