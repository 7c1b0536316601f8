// Builds the `moda` command tree. Each command group lives in its own file under commands/. The
// streams, environment and fetch come in through `io`, so tests run the CLI in-process.
import { Command, CommanderError } from 'commander';
import { settings } from '../config/config.js';
import { isModaError } from '../errors/moda-error.js';
import type { CliIo } from './cli-context.js';
import { registerBundle } from './commands/bundle.js';
import { registerAudit } from './commands/audit.js';
import { registerCatalog } from './commands/catalog.js';
import { registerDatasets } from './commands/datasets.js';
import { registerDeploy } from './commands/deploy.js';
import { registerDoctor } from './commands/doctor.js';
import { registerJobs } from './commands/jobs.js';
import { registerMigrateStorage } from './commands/migrate-storage.js';
import { registerMigrateDb } from './commands/migrate-db.js';
import { registerDownload } from './commands/download.js';
import { registerLogin } from './commands/login.js';
import { registerOrg } from './commands/org.js';
import { registerPull } from './commands/pull.js';
import { registerRepo } from './commands/repo.js';
import { registerRun } from './commands/run.js';
import { registerSearch } from './commands/search.js';
import { registerServe } from './commands/serve.js';
import { registerMigrate } from './commands/migrate.js';
import { registerWorker } from './commands/worker.js';
import { registerTag } from './commands/tag.js';
import { registerToken } from './commands/token.js';
import { registerUpload } from './commands/upload.js';
import { registerUser } from './commands/user.js';
import { registerChat } from './commands/chat.js';
import { registerTune } from './commands/tune.js';
import { registerEval } from './commands/eval.js';

function configHelp(): string {
  const width = Math.max(...settings.map((setting) => setting.env.length));
  return `\nEnvironment variables:\n${settings.map((setting) => `  ${setting.env.padEnd(width)}  ${setting.description}`).join('\n')}\n`;
}

export async function runCli(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const context: CliIo = {
    env: io.env ?? process.env,
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    stdin: io.stdin ?? process.stdin,
    fetch: io.fetch,
  };
  const program = new Command('moda')
    .description('Moda: a self-hosted hub and model-as-a-service platform')
    .version('0.1.0')
    .option('--endpoint <url>', 'server to talk to (MODA_ENDPOINT)')
    .option('--token <token>', 'access token to send (MODA_TOKEN; default: the one saved by `moda login`)')
    .addHelpText('after', configHelp())
    .exitOverride()
    .configureOutput({ writeOut: (text) => context.stdout.write(text), writeErr: (text) => context.stderr.write(text) });
  registerServe(program);
  registerMigrate(program, context);
  registerWorker(program, context);
  registerLogin(program, context);
  registerToken(program, context);
  registerRepo(program, context);
  registerUpload(program, context);
  registerDownload(program, context);
  registerSearch(program, context);
  registerTag(program, context);
  registerUser(program, context);
  registerOrg(program, context);
  registerPull(program, context);
  registerBundle(program, context);
  registerRun(program, context);
  registerCatalog(program, context);
  registerDeploy(program, context);
  registerDatasets(program, context);
  registerAudit(program, context);
  registerDoctor(program, context);
  registerJobs(program, context);
  registerMigrateStorage(program, context);
  registerMigrateDb(program, context);
  registerChat(program, context);
  registerTune(program, context);
  registerEval(program, context);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (isModaError(error)) {
      context.stderr.write(`error: ${error.message} [${error.code}]\n`);
      return 1;
    }
    context.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
