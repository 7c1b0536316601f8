// `moda tag`: create, delete or list the tags of a repository.
import type { Command } from 'commander';
import type { RepoType } from '../../client/api-types.js';
import { clientFor, printJson, printLine, type CliIo } from '../cli-context.js';
import { jsonOption, typeOption } from '../command-options.js';
import { formatTable } from '../format-output.js';

interface TagOptions {
  type: RepoType;
  revision?: string;
  message?: string;
  delete?: boolean;
  json?: boolean;
}

export function registerTag(program: Command, io: CliIo): void {
  program
    .command('tag')
    .description('Tag a revision (or, with --delete, remove a tag; with no tag, list branches and tags)')
    .argument('<repo>', 'namespace/name')
    .argument('[tag]', 'tag name')
    .addOption(typeOption())
    .option('--revision <revision>', 'what to tag: branch, tag or commit (default: main)')
    .option('--message <message>', 'make an annotated tag with this message')
    .option('--delete', 'delete the tag')
    .addOption(jsonOption())
    .action(async (repoId: string, tag: string | undefined, options: TagOptions, command: Command) => {
      const { client } = await clientFor(command, io);
      if (tag === undefined) {
        const refs = await client.listRefs(repoId, { type: options.type });
        if (options.json) return printJson(io, refs);
        const rows = [...refs.branches.map((ref) => ['branch', ref.name, ref.targetCommit]), ...refs.tags.map((ref) => ['tag', ref.name, ref.targetCommit])];
        return printLine(io.stdout, formatTable([['KIND', 'NAME', 'COMMIT'], ...rows]));
      }
      if (options.delete) {
        await client.deleteTag(repoId, tag, { type: options.type });
        return printLine(io.stdout, `Deleted tag ${tag} of ${repoId}`);
      }
      await client.createTag(repoId, tag, { type: options.type, revision: options.revision, message: options.message });
      printLine(io.stdout, `Tagged ${repoId}@${options.revision ?? 'main'} as ${tag}`);
    });
}
