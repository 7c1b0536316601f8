// The second step of a dataset preparation: each split's `num_bytes_memory` where the first step
// (prepare-split.ts) left columns to scan, so that the scan runs after /splits answers instead of
// before. The sizes go into `memory.json` beside the commit's manifest, written whole (a draft
// renamed into place) under the preparation's lock: a crash between the two steps leaves a manifest
// without that file, and the next /info or /size (or the job's retry) measures it then. Until
// then no size is given out, so none is ever a guess.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBType } from '@duckdb/node-api';
import { ModaError } from '../errors/moda-error.js';
import type { HubContext } from '../hub/context.js';
import { scannedMemoryBytes } from './arrow-memory-bytes.js';
import { datasetCacheDir, datasetCacheRoot } from './dataset-cache-dir.js';
import { sourcePathsOf } from './dataset-engine.js';
import { openLockedDuckDb } from './duckdb-engine.js';
import { withPreparationLock } from './preparation-lock.js';
import type { MeasuredDataset, PreparedDataset, PreparedSplit } from './prepared-dataset.js';
import { quoteList } from './sql-text.js';

const MEMORY_FILE = 'memory.json';
const MEMORY_VERSION = 1;

interface MemoryFile {
  version: number;
  commit: string;
  splits: { config: string; split: string; memoryBytes: number }[];
}

const keyOf = (config: string, split: string) => `${config}\0${split}`;

/** The manifest with every split's memoryBytes from `sizes`, or undefined when one is missing. */
function applySizes(manifest: PreparedDataset, sizes: Map<string, number>): MeasuredDataset | undefined {
  const configs: MeasuredDataset['configs'] = [];
  for (const config of manifest.configs) {
    const splits = [];
    for (const split of config.splits) {
      const memoryBytes = split.memoryBytes ?? sizes.get(keyOf(config.config, split.split));
      if (memoryBytes === undefined) return undefined;
      splits.push({ ...split, memoryBytes });
    }
    configs.push({ ...config, splits });
  }
  return { ...manifest, configs };
}

/** The manifest when the preparation knew every size, else undefined. */
export function measuredWithoutScan(manifest: PreparedDataset): MeasuredDataset | undefined {
  return applySizes(manifest, new Map());
}

async function readMeasured(hub: HubContext, manifest: PreparedDataset): Promise<MeasuredDataset | undefined> {
  const text = await readFile(join(datasetCacheDir(hub, manifest.commit), MEMORY_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const file = JSON.parse(text) as MemoryFile;
  if (file.version !== MEMORY_VERSION || file.commit !== manifest.commit) return undefined;
  return applySizes(manifest, new Map(file.splits.map((entry) => [keyOf(entry.config, entry.split), entry.memoryBytes])));
}

async function scanSplit(hub: HubContext, commit: string, split: PreparedSplit, signal: AbortSignal | undefined): Promise<number> {
  const scan = split.memoryScan;
  if (!scan) throw new ModaError('INTERNAL', `split ${split.split} has neither memoryBytes nor memoryScan`);
  const paths = sourcePathsOf(hub, commit, split);
  const { instance, connection } = await openLockedDuckDb(hub.config, { paths });
  const abort = () => connection.interrupt();
  signal?.addEventListener('abort', abort);
  try {
    const from = `read_parquet(${quoteList(paths)}, union_by_name = ${scan.unionByName ? 'true' : 'false'})`;
    const reader = await connection.runAndReadUntil(`SELECT * FROM ${from} LIMIT 0`, 0);
    const types = reader.columnTypes();
    const wanted = new Set(scan.columns);
    const columns = reader.columnNames().flatMap((name, index) => (wanted.has(name) ? [{ name, type: types[index] as DuckDBType }] : []));
    if (columns.length !== wanted.size) throw new ModaError('INTERNAL', `split ${split.split}: the prepared files lack columns to measure`);
    return Math.round(scan.knownBytes + (await scannedMemoryBytes(connection, from, columns)));
  } catch (error) {
    if (signal?.aborted) throw new ModaError('REQUEST_CANCELLED', 'dataset preparation was cancelled');
    throw error;
  } finally {
    signal?.removeEventListener('abort', abort);
    connection.closeSync();
    instance.closeSync();
  }
}

async function measureUnlocked(hub: HubContext, manifest: PreparedDataset, signal: AbortSignal | undefined): Promise<MeasuredDataset> {
  const splits: MemoryFile['splits'] = [];
  for (const config of manifest.configs) {
    for (const split of config.splits) {
      if (split.memoryBytes !== undefined) continue;
      if (signal?.aborted) throw new ModaError('REQUEST_CANCELLED', 'dataset preparation was cancelled');
      splits.push({ config: config.config, split: split.split, memoryBytes: await scanSplit(hub, manifest.commit, split, signal) });
    }
  }
  const folder = datasetCacheDir(hub, manifest.commit);
  const draft = join(folder, `.${MEMORY_FILE}.${process.pid}.${randomBytes(6).toString('hex')}`);
  const file: MemoryFile = { version: MEMORY_VERSION, commit: manifest.commit, splits };
  try {
    await writeFile(draft, JSON.stringify(file));
    await rename(draft, join(folder, MEMORY_FILE));
  } finally {
    await rm(draft, { force: true });
  }
  const measured = applySizes(manifest, new Map(splits.map((entry) => [keyOf(entry.config, entry.split), entry.memoryBytes])));
  if (!measured) throw new ModaError('INTERNAL', 'a split was left unmeasured');
  return measured;
}

/**
 * Every split's memoryBytes of a prepared commit: from the manifest, from `memory.json`, or
 * measured now (one process at a time per commit, under the preparation's lock; the others wait
 * for its file).
 */
export async function measureDatasetMemory(hub: HubContext, manifest: PreparedDataset, options: { signal?: AbortSignal } = {}): Promise<MeasuredDataset> {
  const known = measuredWithoutScan(manifest);
  if (known) return known;
  const workRoot = join(datasetCacheRoot(hub), '.work');
  await mkdir(workRoot, { recursive: true });
  return withPreparationLock(join(workRoot, `${manifest.commit}.lock`), () => readMeasured(hub, manifest), () => measureUnlocked(hub, manifest, options.signal), {
    ...(options.signal && { signal: options.signal }),
  });
}
