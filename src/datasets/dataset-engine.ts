// A locked DuckDB instance per prepared (commit, config): one view per split named after it (what
// users' SQL reads) and a `__moda_rows_<split>` view that adds each row's index in the split. It may
// read only that config's Parquet files. A few stay open (LRU); an evicted one is closed once the
// queries running on it are done.
import { join } from 'node:path';
import type { DuckDBInstance } from '@duckdb/node-api';
import { ModaError } from '../errors/moda-error.js';
import type { HubContext } from '../hub/context.js';
import { datasetCacheDir } from './dataset-cache-dir.js';
import { openLockedDuckDb } from './duckdb-engine.js';
import { rowColumnOf, type PreparedConfig, type PreparedDataset, type PreparedSplit } from './prepared-dataset.js';
import { quoteIdentifier, quoteList, quoteLiteral } from './sql-text.js';

export interface DatasetEngine {
  commit: string;
  config: PreparedConfig;
  instance: DuckDBInstance;
  /** Local Parquet paths of each split, in order. */
  paths: Map<string, string[]>;
  /** Queries running now; the engine closes when evicted and idle. */
  running: number;
  evicted: boolean;
}

export const ROW_INDEX_COLUMN = '__moda_row_idx';
/** The file a row of in-place Parquet files came from (splits whose files hold a column of this name are converted). */
export const FILE_COLUMN = '__moda_file';

export function rowsViewOf(split: string): string {
  return quoteIdentifier(`__moda_rows_${split}`);
}

export function sourcePathsOf(hub: HubContext, commit: string, split: PreparedSplit): string[] {
  return split.sources.map((source) => {
    if (source.kind === 'cache') return join(datasetCacheDir(hub, commit), source.file);
    const path = hub.blobs.localPath?.(source.oid);
    if (!path) throw new ModaError('DATASET_FILE_INVALID', 'this blob store keeps no local files: Parquet sources must be prepared again');
    return path;
  });
}

function rowIndexSql(paths: string[], rows: number[]): string {
  if (paths.length === 1) return 'file_row_number';
  let offset = 0;
  const cases = paths.map((path, index) => {
    const clause = `WHEN ${quoteLiteral(path)} THEN ${offset}`;
    offset += rows[index] ?? 0;
    return clause;
  });
  return `(CASE ${FILE_COLUMN} ${cases.join(' ')} END + file_row_number)`;
}

async function open(hub: HubContext, manifest: PreparedDataset, config: PreparedConfig): Promise<DatasetEngine> {
  const paths = new Map(config.splits.map((split) => [split.split, sourcePathsOf(hub, manifest.commit, split)]));
  const { instance, connection } = await openLockedDuckDb(hub.config, { paths: [...paths.values()].flat() });
  try {
    for (const split of config.splits) {
      const files = paths.get(split.split) ?? [];
      if (split.rowColumn) {
        // A conversion: one schema, and each row carries its index.
        const reader = `read_parquet(${quoteList(files)})`;
        const row = quoteIdentifier(rowColumnOf(split));
        await connection.run(`CREATE VIEW ${rowsViewOf(split.split)} AS SELECT ${row} AS ${ROW_INDEX_COLUMN}, * EXCLUDE (${row}) FROM ${reader}`);
        await connection.run(`CREATE VIEW ${quoteIdentifier(split.split)} AS SELECT * EXCLUDE (${row}) FROM ${reader}`);
        continue;
      }
      const reader = `read_parquet(${quoteList(files)}, union_by_name = true, filename = ${quoteLiteral(FILE_COLUMN)}, file_row_number = true)`;
      await connection.run(`CREATE VIEW ${rowsViewOf(split.split)} AS SELECT ${rowIndexSql(files, split.sourceRows)} AS ${ROW_INDEX_COLUMN}, * EXCLUDE (${FILE_COLUMN}, file_row_number) FROM ${reader}`);
      await connection.run(`CREATE VIEW ${quoteIdentifier(split.split)} AS SELECT * FROM read_parquet(${quoteList(files)}, union_by_name = true)`);
    }
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    throw error;
  } finally {
    connection.closeSync();
  }
  return { commit: manifest.commit, config, instance, paths, running: 0, evicted: false };
}

const MAX_OPEN = 8;
const engines = new Map<string, Promise<DatasetEngine>>();

function closeIfIdle(engine: DatasetEngine): void {
  if (engine.evicted && engine.running === 0) engine.instance.closeSync();
}

/** The engine of one config of a prepared commit, opened on first use. */
export async function datasetEngine(hub: HubContext, manifest: PreparedDataset, configName: string): Promise<DatasetEngine> {
  const config = manifest.configs.find((entry) => entry.config === configName);
  if (!config) throw new ModaError('DATASET_CONFIG_NOT_FOUND', `no config ${JSON.stringify(configName)}; configs: ${manifest.configs.map((entry) => entry.config).join(', ')}`);
  // The cache folder is part of the key: two servers in one process (tests) keep their own engines.
  const key = `${hub.config.home}\0${manifest.commit}\0${configName}`;
  let engine = engines.get(key);
  if (engine) {
    engines.delete(key);
    engines.set(key, engine);
  } else {
    engine = open(hub, manifest, config);
    engines.set(key, engine);
    engine.catch(() => engines.delete(key));
    while (engines.size > MAX_OPEN) {
      const [oldestKey, oldest] = engines.entries().next().value as [string, Promise<DatasetEngine>];
      engines.delete(oldestKey);
      void oldest.then((evicted) => {
        evicted.evicted = true;
        closeIfIdle(evicted);
      }, () => undefined);
    }
  }
  return engine;
}

/** Runs `work` with the engine counted as busy, so eviction waits for it. */
export async function withEngine<T>(engine: DatasetEngine, work: () => Promise<T>): Promise<T> {
  engine.running++;
  try {
    return await work();
  } finally {
    engine.running--;
    closeIfIdle(engine);
  }
}

/** Closes the engines of one commit (its cache is being removed), or of every commit (server shutdown). */
export async function forgetDatasetEngines(home: string, commit?: string): Promise<void> {
  const prefix = commit === undefined ? `${home}\0` : `${home}\0${commit}\0`;
  for (const [key, engine] of [...engines]) {
    if (!key.startsWith(prefix)) continue;
    engines.delete(key);
    const opened = await engine.catch(() => undefined);
    if (opened) {
      opened.evicted = true;
      closeIfIdle(opened);
    }
  }
}

/** Closes every engine (server shutdown). */
export async function closeDatasetEngines(home: string): Promise<void> {
  await forgetDatasetEngines(home);
}
