// `moda login`, `moda logout`, `moda whoami`: the saved token ($MODA_HOME/token, mode 0600) and who it is.
import type { Command } from 'commander';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { ModaClient } from '../../client/moda-client.js';
import { ModaError } from '../../errors/moda-error.js';
import { cliConfig, clientFor, printJson, printLine, tokenFile, type CliIo } from '../cli-context.js';
import { jsonOption } from '../command-options.js';

async function readTokenFromStdin(io: CliIo): Promise<string | undefined> {
  if (io.stdin.isTTY) io.stderr.write('Token: ');
  const lines = createInterface({ input: io.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line.trim() || undefined;
  }
  return undefined;
}

export function registerLogin(program: Command, io: CliIo): void {
  program
    .command('login')
    .description('Check a token (--token, MODA_TOKEN or standard input) and save it for later commands')
    .action(async (_options: object, command: Command) => {
      const config = cliConfig(command, io);
      const token = config.token || (await readTokenFromStdin(io));
      if (!token) throw new ModaError('AUTH_REQUIRED', 'give the token with --token, MODA_TOKEN or on standard input');
      const me = await new ModaClient({ endpoint: config.endpoint, token, fetch: io.fetch }).whoami();
      const path = tokenFile(config);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, `${token}\n`, { mode: 0o600 });
      await chmod(path, 0o600);
      printLine(io.stdout, `Logged in to ${config.endpoint} as ${me.name}`);
      printLine(io.stderr, `Token saved in ${path}`);
    });

  program
    .command('logout')
    .description('Forget the saved token')
    .action(async (_options: object, command: Command) => {
      const config = cliConfig(command, io);
      await rm(tokenFile(config), { force: true });
      printLine(io.stdout, 'Logged out');
      if (config.token) printLine(io.stderr, 'note: MODA_TOKEN or --token still sets a token');
    });

  program
    .command('whoami')
    .description('Show the user the token belongs to and their organizations')
    .addOption(jsonOption())
    .action(async (options: { json?: boolean }, command: Command) => {
      const { client } = await clientFor(command, io);
      const me = await client.whoami();
      if (options.json) return printJson(io, me);
      printLine(io.stdout, me.name);
      if (me.orgs.length > 0) printLine(io.stdout, `orgs: ${me.orgs.map((org) => `${org.name} (${org.roleInOrg})`).join(', ')}`);
      printLine(io.stdout, `token: ${me.auth.accessToken.scope}${me.isAdmin ? ', site admin' : ''}`);
    });
}
