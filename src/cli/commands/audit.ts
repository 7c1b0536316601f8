// `moda audit`: the server's audit log (site admins), newest first, with the API's filters.
import type { Command } from 'commander';
import { clientFor, printJson, printLine, type CliIo } from '../cli-context.js';
import { jsonOption, positiveInteger } from '../command-options.js';
import { formatTable } from '../format-output.js';

interface AuditOptions {
  action?: string;
  actor?: string;
  target?: string;
  since?: string;
  until?: string;
  before?: string;
  limit?: number;
  json?: boolean;
}

export function registerAudit(program: Command, io: CliIo): void {
  program
    .command('audit')
    .description('Show the audit log: sign-ins, tokens, visibility, members, deletions, force pushes, deployments (admins only)')
    .option('--action <action>', 'only this action (e.g. token.create), or a prefix ending in "." (token.)')
    .option('--actor <user>', 'only events by this user')
    .option('--target <target>', 'only events about this target (e.g. model:alice/bert, token:<id>)')
    .option('--since <time>', 'only events at or after this ISO date or time')
    .option('--until <time>', 'only events at or before this ISO date or time')
    .option('--before <id>', 'continue from the id a previous page printed')
    .option('--limit <n>', 'events per page (1-500, default 100)', positiveInteger)
    .addOption(jsonOption())
    .action(async (options: AuditOptions, command: Command) => {
      const { client } = await clientFor(command, io);
      const { json, ...filters } = options;
      const page = await client.listAuditEvents(filters);
      if (json) return printJson(io, page);
      if (page.events.length === 0) return printLine(io.stdout, 'no events');
      printLine(
        io.stdout,
        formatTable([
          ['TIME', 'ACTION', 'ACTOR', 'ADDRESS', 'TARGET', 'DETAILS'],
          ...page.events.map((event) => [event.at, event.action, event.actor ?? '-', event.address ?? '-', event.target ?? '-', JSON.stringify(event.details)]),
        ]),
      );
      if (page.next) printLine(io.stderr, `more: moda audit --before ${page.next}`);
    });
}
