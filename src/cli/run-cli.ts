// Builds the `moda` command tree. Each command lives in its own file under commands/.
import { Command, CommanderError } from 'commander';
import { settings } from '../config/config.js';
import { isModaError } from '../errors/moda-error.js';
import { registerServe } from './commands/serve.js';

function configHelp(): string {
  const width = Math.max(...settings.map((setting) => setting.env.length));
  return `\nEnvironment variables:\n${settings.map((setting) => `  ${setting.env.padEnd(width)}  ${setting.description}`).join('\n')}\n`;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = new Command('moda')
    .description('Moda: a self-hosted hub and model-as-a-service platform')
    .version('0.1.0')
    .addHelpText('after', configHelp())
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  registerServe(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (isModaError(error)) {
      process.stderr.write(`error: ${error.message} [${error.code}]\n`);
      return 1;
    }
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
