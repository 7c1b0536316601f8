// `moda datasets rows|sql`: pages of a dataset's rows and read-only SQL over its splits, through the
// dataset viewer API.
import type { Command } from 'commander';
import type { DatasetSqlResult } from '../../client/api-types.js';
import { ModaError } from '../../errors/moda-error.js';
import { clientFor, printJson, printLine, type CliIo } from '../cli-context.js';
import { jsonOption } from '../command-options.js';
import { formatTable } from '../format-output.js';

interface RowsOptions {
  split?: string;
  config?: string;
  revision?: string;
  offset: number;
  length: number;
  json?: boolean;
}

/** Cells wider than this are cut in the text table (--json prints them whole). */
const CELL_WIDTH = 40;

function cell(value: unknown): string {
  const text = (typeof value === 'string' ? value : JSON.stringify(value) ?? 'null').replace(/\s+/g, ' ');
  return text.length > CELL_WIDTH ? `${text.slice(0, CELL_WIDTH - 1)}…` : text;
}

function nonNegative(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0) throw new ModaError('VALIDATION_FAILED', `expected a non-negative integer, got "${value}"`);
  return number;
}

export function registerDatasets(program: Command, io: CliIo): void {
  const datasets = program.command('datasets').description('Read datasets through the dataset viewer: rows and SQL');

  datasets
    .command('rows')
    .description('Print a page of rows of a dataset split')
    .argument('<dataset>', 'namespace/name')
    .option('--split <split>', 'split (default: the first one)')
    .option('--config <config>', 'config (default: the first one)')
    .option('--revision <revision>', 'branch, tag or commit (default: main)')
    .option('--offset <n>', 'first row', nonNegative, 0)
    .option('--length <n>', 'rows to print, at most 100', nonNegative, 20)
    .addOption(jsonOption())
    .action(async (dataset: string, options: RowsOptions, command: Command) => {
      const { client } = await clientFor(command, io);
      const view = { config: options.config, revision: options.revision };
      let { split, config } = options;
      if (split === undefined) {
        const splits = (await client.datasetSplits(dataset, view)).splits.filter((entry) => config === undefined || entry.config === config);
        const first = splits[0];
        if (!first) throw new ModaError('DATASET_SPLIT_NOT_FOUND', `${dataset} has no readable split`);
        ({ split, config } = first);
      }
      const page = await client.datasetRows(dataset, split, { ...view, config, offset: options.offset, length: options.length });
      if (options.json) return printJson(io, page);
      const names = page.features.map((feature) => feature.name);
      const rows = page.rows.map((row) => [String(row.row_idx), ...names.map((name) => cell(row.row[name]))]);
      printLine(io.stdout, formatTable([['#', ...names], ...rows]));
      const last = page.rows.at(-1)?.row_idx;
      printLine(io.stdout, `${config ?? 'default'}/${split}: rows ${page.rows.length === 0 ? 'none' : `${page.rows[0]?.row_idx}–${last}`} of ${page.num_rows_total}`);
    });

  datasets
    .command('sql')
    .description('Run one read-only SELECT over views named after the splits (e.g. SELECT label, count(*) FROM train GROUP BY label)')
    .argument('<dataset>', 'namespace/name')
    .argument('<query>', 'one SELECT statement')
    .option('--config <config>', 'config whose splits the views show (default: the first one)')
    .option('--revision <revision>', 'branch, tag or commit (default: main)')
    .addOption(jsonOption())
    .action(async (dataset: string, query: string, options: { config?: string; revision?: string; json?: boolean }, command: Command) => {
      const { client } = await clientFor(command, io);
      const result: DatasetSqlResult = await client.datasetSql(dataset, query, { config: options.config, revision: options.revision });
      if (options.json) return printJson(io, result);
      const names = result.columns.map((column) => column.name);
      printLine(io.stdout, formatTable([names, ...result.rows.map((row) => names.map((name) => cell(row[name])))]));
      printLine(io.stdout, `${result.num_rows} row${result.num_rows === 1 ? '' : 's'}${result.partial ? ' (cut at the server’s row limit)' : ''}`);
    });
}
