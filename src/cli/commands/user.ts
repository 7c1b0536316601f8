// `moda user create`: new user accounts (site admins only).
import type { Command } from 'commander';
import { clientFor, printLine, type CliIo } from '../cli-context.js';

export function registerUser(program: Command, io: CliIo): void {
  const user = program.command('user').description('Manage users (site admins)');
  user
    .command('create')
    .description('Create a user (needs an admin token)')
    .argument('<name>', 'user name')
    .option('--fullname <fullname>', 'display name')
    .option('--email <email>', 'email address')
    .action(async (name: string, options: { fullname?: string; email?: string }, command: Command) => {
      const { client } = await clientFor(command, io);
      const created = await client.createUser({ name, fullname: options.fullname, email: options.email });
      printLine(io.stdout, `Created user ${created.name}`);
    });
}
