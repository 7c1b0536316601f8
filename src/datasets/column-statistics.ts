// The statistics route: per column of a split, in the Hugging Face viewer's shape — nulls; min, max,
// mean, median, std and a 10-bin histogram for numbers and for text and list lengths; frequencies for
// class labels, booleans and text with few distinct values. Computed once per split and kept in the
// commit's cache folder.
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HubContext } from '../hub/context.js';
import { datasetCacheDir } from './dataset-cache-dir.js';
import { datasetEngine, type DatasetEngine } from './dataset-engine.js';
import { findSplit } from './ensure-prepared.js';
import type { PreparedColumn, PreparedDataset } from './prepared-dataset.js';
import { numberStatistics, roundStatistic } from './number-statistics.js';
import { runQuery } from './run-query.js';
import { quoteIdentifier } from './sql-text.js';

export interface ColumnStatistics {
  column_name: string;
  column_type: 'int' | 'float' | 'bool' | 'class_label' | 'string_label' | 'string_text' | 'list' | 'image' | 'audio';
  column_statistics: Record<string, unknown>;
}

export interface StatisticsResponse {
  num_examples: number;
  statistics: ColumnStatistics[];
  partial: boolean;
}

/** Hugging Face's limit for treating text as labels (MAX_NUM_STRING_LABELS). */
const MAX_STRING_LABELS = 30;
const round = roundStatistic;

/** numberStatistics on the viewer's engine, bounded in time. */
function numberStats(engine: DatasetEngine, table: string, expression: string, isInt: boolean, timeoutMs: number, total: number): Promise<Record<string, unknown>> {
  return numberStatistics(async (sql, maxRows) => (await runQuery(engine, sql, { timeoutMs, maxRows })).rows, table, expression, isInt, total);
}

async function frequencies(engine: DatasetEngine, table: string, expression: string, timeoutMs: number, limit: number): Promise<{ counts: Map<string, number>; distinct: number }> {
  const result = await runQuery(engine, `SELECT CAST(${expression} AS VARCHAR) AS value, count(*) AS n FROM ${table} WHERE ${expression} IS NOT NULL GROUP BY 1 ORDER BY n DESC, value LIMIT ${limit + 1}`, { timeoutMs, maxRows: limit + 1 });
  return { counts: new Map(result.rows.map((row) => [String(row.value), Number(row.n)])), distinct: result.rows.length };
}

async function columnStatistics(engine: DatasetEngine, table: string, column: PreparedColumn, total: number, timeoutMs: number): Promise<ColumnStatistics | undefined> {
  const name = quoteIdentifier(column.name);
  const base = { column_name: column.name };
  if (column.labels) {
    const { counts } = await frequencies(engine, table, name, timeoutMs, column.labels.length + 1);
    const frequenciesByName: Record<string, number> = {};
    let nulls = total;
    for (const [index, count] of counts) {
      const label = column.labels[Number(index)];
      if (label !== undefined) frequenciesByName[label] = count;
      nulls -= count;
    }
    return { ...base, column_type: 'class_label', column_statistics: { nan_count: nulls, nan_proportion: round(total === 0 ? 0 : nulls / total), no_label_count: 0, no_label_proportion: 0, n_unique: Object.keys(frequenciesByName).length, frequencies: frequenciesByName } };
  }
  switch (column.kind) {
    case 'int':
    case 'float':
      return { ...base, column_type: column.kind, column_statistics: await numberStats(engine, table, `CAST(${name} AS DOUBLE)`, column.kind === 'int', timeoutMs, total) };
    case 'bool': {
      const { counts } = await frequencies(engine, table, name, timeoutMs, 2);
      const nulls = total - [...counts.values()].reduce((sum, count) => sum + count, 0);
      const named = Object.fromEntries([...counts].map(([value, count]) => [value === 'true' ? 'True' : 'False', count]));
      return { ...base, column_type: 'bool', column_statistics: { nan_count: nulls, nan_proportion: round(total === 0 ? 0 : nulls / total), frequencies: named } };
    }
    case 'string': {
      const { counts, distinct } = await frequencies(engine, table, name, timeoutMs, MAX_STRING_LABELS);
      if (distinct <= MAX_STRING_LABELS && distinct < total) {
        const nulls = total - [...counts.values()].reduce((sum, count) => sum + count, 0);
        return { ...base, column_type: 'string_label', column_statistics: { nan_count: nulls, nan_proportion: round(total === 0 ? 0 : nulls / total), no_label_count: 0, no_label_proportion: 0, n_unique: distinct, frequencies: Object.fromEntries(counts) } };
      }
      return { ...base, column_type: 'string_text', column_statistics: await numberStats(engine, table, `length(${name})`, true, timeoutMs, total) };
    }
    case 'list':
      return { ...base, column_type: 'list', column_statistics: await numberStats(engine, table, `len(${name})`, true, timeoutMs, total) };
    default:
      return undefined;
  }
}

export async function splitStatistics(hub: HubContext, manifest: PreparedDataset, config: string, splitName: string): Promise<StatisticsResponse> {
  const split = findSplit(manifest, config, splitName);
  const key = createHash('sha256').update(`${config}\0${splitName}`).digest('hex').slice(0, 16);
  const file = join(datasetCacheDir(hub, manifest.commit), `statistics-${key}.json`);
  const cached = await readFile(file, 'utf8').catch(() => undefined);
  if (cached) return JSON.parse(cached) as StatisticsResponse;
  const engine = await datasetEngine(hub, manifest, config);
  const statistics: ColumnStatistics[] = [];
  for (const column of split.columns) {
    // Media columns were measured when the split was prepared (media-statistics.ts).
    if (column.media) {
      const measured = split.mediaStatistics?.find((entry) => entry.column_name === column.name);
      if (measured) statistics.push(measured);
      continue;
    }
    const stats = await columnStatistics(engine, quoteIdentifier(split.split), column, split.numRows, hub.config.datasetQueryTimeoutMs);
    if (stats) statistics.push(stats);
  }
  const response: StatisticsResponse = { num_examples: split.numRows, statistics, partial: false };
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, JSON.stringify(response));
  await rename(temporary, file);
  return response;
}
