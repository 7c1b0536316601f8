// `moda token create|list|revoke`: access tokens of the current user (or, for admins, of anyone).
import type { Command } from 'commander';
import type { TokenRole } from '../../client/api-types.js';
import { clientFor, printJson, printLine, type CliIo } from '../cli-context.js';
import { collect, jsonOption, tokenRoleOption } from '../command-options.js';
import { formatTable } from '../format-output.js';

export function registerToken(program: Command, io: CliIo): void {
  const token = program.command('token').description('Create, list and revoke access tokens');

  token
    .command('create')
    .description('Create a token and print its secret (shown only once)')
    .requiredOption('--name <name>', 'what the token is for')
    .addOption(tokenRoleOption())
    .option('--user <user>', 'owner of the token (admins only; default: yourself)')
    .option('--expires <when>', 'when it stops working: a count of hours, days or weeks (12h, 30d, 2w) or a date (2030-01-31); default: never')
    .option('--repo <name>', 'limit the token to this repo (namespace/name, datasets/namespace/name); repeat for more', collect, [])
    .addOption(jsonOption())
    .action(async (options: { name: string; role: TokenRole; user?: string; expires?: string; repo: string[]; json?: boolean }, command: Command) => {
      const { client } = await clientFor(command, io);
      const created = await client.createToken({
        name: options.name,
        role: options.role,
        user: options.user,
        ...expiryOf(options.expires),
        ...(options.repo.length > 0 && { repos: options.repo }),
      });
      if (options.json) return printJson(io, created);
      printLine(io.stdout, created.token);
      const limits = [created.expiresAt ? `expires ${created.expiresAt}` : '', created.repos ? `only for ${created.repos.join(', ')}` : ''].filter(Boolean);
      printLine(io.stderr, `Created ${created.role} token "${created.name}" for ${created.user} (id ${created.id})${limits.length > 0 ? `; ${limits.join('; ')}` : ''}`);
    });

  token
    .command('list')
    .description('List tokens (never their secrets)')
    .option('--user <user>', "whose tokens (admins only; default: yours)")
    .addOption(jsonOption())
    .action(async (options: { user?: string; json?: boolean }, command: Command) => {
      const { client } = await clientFor(command, io);
      const tokens = await client.listTokens({ user: options.user });
      if (options.json) return printJson(io, tokens);
      if (tokens.length === 0) return printLine(io.stdout, 'no tokens');
      printLine(
        io.stdout,
        formatTable([
          ['ID', 'NAME', 'ROLE', 'CREATED', 'LAST USED', 'EXPIRES', 'REPOS'],
          ...tokens.map((t) => [t.id, t.name, t.role, t.createdAt, t.lastUsedAt ?? '-', t.expiresAt ? `${t.expiresAt}${t.expired ? ' (expired)' : ''}` : 'never', t.repos?.join(',') ?? 'all']),
        ]),
      );
    });

  token
    .command('revoke')
    .description('Revoke a token by id')
    .argument('<id>', 'token id (from `moda token list`)')
    .action(async (id: string, _options: object, command: Command) => {
      const { client } = await clientFor(command, io);
      await client.revokeToken(id);
      printLine(io.stdout, `Revoked token ${id}`);
    });
}

/** `--expires 30d` becomes expiresIn, `--expires 2030-01-31` expiresAt; the server validates both. */
function expiryOf(expires: string | undefined): { expiresIn?: string; expiresAt?: string } {
  if (expires === undefined) return {};
  return /^\d{4}-/.test(expires.trim()) ? { expiresAt: expires.trim() } : { expiresIn: expires.trim() };
}
