// `moda org create|member|members`: organizations and their members.
import type { Command } from 'commander';
import type { MemberRole } from '../../client/api-types.js';
import { ModaError } from '../../errors/moda-error.js';
import { clientFor, printJson, printLine, type CliIo } from '../cli-context.js';
import { jsonOption, memberRoleOption } from '../command-options.js';
import { formatTable } from '../format-output.js';

export function registerOrg(program: Command, io: CliIo): void {
  const org = program.command('org').description('Manage organizations and their members');
  org
    .command('create')
    .description('Create an organization; you become its admin')
    .argument('<name>', 'organization name')
    .option('--fullname <fullname>', 'display name')
    .action(async (name: string, options: { fullname?: string }, command: Command) => {
      const { client } = await clientFor(command, io);
      const created = await client.createOrganization({ name, fullname: options.fullname });
      printLine(io.stdout, `Created organization ${created.name}`);
    });

  org
    .command('member')
    .description('Add a member or change their role (--role), or remove them (--remove)')
    .argument('<org>', 'organization name')
    .argument('<user>', 'user name')
    .addOption(memberRoleOption())
    .option('--remove', 'remove the user from the organization')
    .action(async (orgName: string, userName: string, options: { role?: MemberRole; remove?: boolean }, command: Command) => {
      if (options.remove === (options.role !== undefined)) throw new ModaError('VALIDATION_FAILED', 'give exactly one of --role <admin|write|read> and --remove');
      const { client } = await clientFor(command, io);
      if (options.remove) {
        await client.removeOrgMember(orgName, userName);
        return printLine(io.stdout, `Removed ${userName} from ${orgName}`);
      }
      await client.setOrgMember(orgName, userName, options.role as MemberRole);
      printLine(io.stdout, `${userName} is now ${options.role} in ${orgName}`);
    });

  org
    .command('members')
    .description('List the members of an organization')
    .argument('<org>', 'organization name')
    .addOption(jsonOption())
    .action(async (orgName: string, options: { json?: boolean }, command: Command) => {
      const { client } = await clientFor(command, io);
      const members = await client.listOrgMembers(orgName);
      if (options.json) return printJson(io, members);
      printLine(io.stdout, formatTable([['USER', 'ROLE'], ...members.map((member) => [member.user, member.role])]));
    });
}
