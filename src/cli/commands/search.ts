// `moda search`: the Hub search (text, author, tags, task), sorted.
import type { Command } from 'commander';
import type { RepoType, SearchSort } from '../../client/api-types.js';
import { clientFor, printJson, printLine, type CliIo } from '../cli-context.js';
import { collect, jsonOption, positiveInteger, sortOption, typeOption } from '../command-options.js';
import { repoTable } from './repo.js';

interface SearchOptions {
  type: RepoType;
  author?: string;
  filter: string[];
  task?: string;
  sort?: SearchSort;
  limit: number;
  json?: boolean;
}

export function registerSearch(program: Command, io: CliIo): void {
  program
    .command('search')
    .description('Search models or datasets')
    .argument('[query]', 'text the repository id contains')
    .addOption(typeOption())
    .option('--author <namespace>', 'only repositories of this user or organization')
    .option('--filter <tag>', 'only repositories with this tag (repeatable)', collect, [])
    .option('--task <task>', 'only models for this task (pipeline_tag)')
    .addOption(sortOption())
    .option('--limit <n>', 'at most this many results', positiveInteger, 20)
    .addOption(jsonOption())
    .action(async (query: string | undefined, options: SearchOptions, command: Command) => {
      const { client } = await clientFor(command, io);
      const repos = await client.listRepos({
        type: options.type,
        search: query,
        author: options.author,
        filter: options.filter,
        task: options.task,
        sort: options.sort,
        limit: options.limit,
      });
      if (options.json) return printJson(io, repos);
      printLine(io.stdout, repos.length === 0 ? 'no results' : repoTable(repos));
    });
}
