// `moda repo create|delete|info|list`: repositories of models and datasets.
import type { Command } from 'commander';
import type { RepoInfo, RepoType } from '../../client/api-types.js';
import { clientFor, printJson, printLine, type CliIo } from '../cli-context.js';
import { jsonOption, positiveInteger, typeOption } from '../command-options.js';
import { formatBytes, formatTable } from '../format-output.js';

export function repoTable(repos: RepoInfo[]): string {
  return formatTable([
    ['ID', 'DOWNLOADS', 'LIKES', 'TASK', 'UPDATED', 'PRIVATE'],
    ...repos.map((repo) => [repo.id, String(repo.downloads), String(repo.likes), repo.pipeline_tag ?? '-', repo.lastModified, repo.private ? 'yes' : 'no']),
  ]);
}

export function registerRepo(program: Command, io: CliIo): void {
  const repo = program.command('repo').description('Create, delete, inspect and list repositories');

  repo
    .command('create')
    .description('Create a repository and print its URL')
    .argument('<repo>', 'namespace/name')
    .addOption(typeOption())
    .option('--private', 'visible only to its owner and organization members', false)
    .action(async (repoId: string, options: { type: RepoType; private: boolean }, command: Command) => {
      const { client } = await clientFor(command, io);
      const created = await client.createRepo(repoId, { type: options.type, private: options.private });
      printLine(io.stdout, created.url);
    });

  repo
    .command('delete')
    .description('Delete a repository and all its history')
    .argument('<repo>', 'namespace/name')
    .addOption(typeOption())
    .action(async (repoId: string, options: { type: RepoType }, command: Command) => {
      const { client } = await clientFor(command, io);
      await client.deleteRepo(repoId, { type: options.type });
      printLine(io.stdout, `Deleted ${options.type} ${repoId}`);
    });

  repo
    .command('info')
    .description('Show a repository: commit, visibility, tags and files')
    .argument('<repo>', 'namespace/name')
    .addOption(typeOption())
    .option('--revision <revision>', 'branch, tag or commit (default: the default branch)')
    .addOption(jsonOption())
    .action(async (repoId: string, options: { type: RepoType; revision?: string; json?: boolean }, command: Command) => {
      const { client } = await clientFor(command, io);
      const info = await client.repoInfo(repoId, { type: options.type, revision: options.revision, blobs: true });
      if (options.json) return printJson(io, info);
      printLine(io.stdout, `${info.id} (${options.type}${info.private ? ', private' : ''})`);
      printLine(io.stdout, `commit:    ${info.sha}`);
      printLine(io.stdout, `updated:   ${info.lastModified}`);
      printLine(io.stdout, `downloads: ${info.downloads}  likes: ${info.likes}`);
      if (info.pipeline_tag) printLine(io.stdout, `task:      ${info.pipeline_tag}`);
      if (info.tags.length > 0) printLine(io.stdout, `tags:      ${info.tags.join(', ')}`);
      const files = info.siblings ?? [];
      printLine(io.stdout, `files (${files.length}, ${formatBytes(info.usedStorage ?? 0)}):`);
      for (const file of files) printLine(io.stdout, `  ${file.rfilename}  ${formatBytes(file.size ?? 0)}${file.lfs ? '  (lfs)' : ''}`);
    });

  repo
    .command('list')
    .description('List repositories you can see')
    .addOption(typeOption())
    .option('--author <namespace>', 'only repositories of this user or organization')
    .option('--search <text>', 'only ids containing this text')
    .option('--limit <n>', 'at most this many', positiveInteger, 100)
    .addOption(jsonOption())
    .action(async (options: { type: RepoType; author?: string; search?: string; limit: number; json?: boolean }, command: Command) => {
      const { client } = await clientFor(command, io);
      const repos = await client.listRepos({ type: options.type, author: options.author, search: options.search, limit: options.limit });
      if (options.json) return printJson(io, repos);
      printLine(io.stdout, repos.length === 0 ? 'no repositories' : repoTable(repos));
    });
}
