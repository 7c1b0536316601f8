// Reads the samples of one split of a prepared dataset commit in row order, a page at a time, with
// the input columns as the model takes them: text (several columns joined by a newline) or the
// bytes of the image/audio file the row names, read from the dataset repo at that same commit (a
// repo file, or a member of a zip split) by the datasets' media reader.
import { ModaError } from '../errors/moda-error.js';
import type { HubContext } from '../hub/context.js';
import { isMediaRefusal, openDatasetMedia, type DatasetMedia } from '../datasets/open-dataset-media.js';
import { datasetEngine, ROW_INDEX_COLUMN, rowsViewOf } from '../datasets/dataset-engine.js';
import type { PreparedDataset, PreparedSplit } from '../datasets/prepared-dataset.js';
import { runQuery } from '../datasets/run-query.js';
import { quoteIdentifier } from '../datasets/sql-text.js';
import type { EvalColumns } from './map-eval-columns.js';
import type { InputKind } from './eval-tasks.js';

export interface EvalSample {
  rowIdx: number;
  /** Text, or the media file's bytes. */
  input: string | Uint8Array;
  reference: unknown;
  /** Set when the row cannot be fed to the model (an empty cell, a missing file): counted as a failure. */
  problem?: { code: string; message: string };
}

const PAGE_ROWS = 256;
/**
 * The first page is this small and each next one twice as large up to PAGE_ROWS: the first
 * requests go out once a few rows and their files are read, not a whole page of them, and the
 * sample loop's read-ahead keeps the later, larger pages ahead of the requests.
 */
const FIRST_PAGE_ROWS = 8;

export interface ReadSamplesOptions {
  config: string;
  split: PreparedSplit;
  columns: EvalColumns;
  input: InputKind;
  limit: number | undefined;
  signal?: AbortSignal;
  /** Called once the split's engine and media reader are open, before the first page is read. */
  onOpened?(): void;
}

export async function* readEvalSamples(hub: HubContext, repo: { gitDir: string }, manifest: PreparedDataset, options: ReadSamplesOptions): AsyncGenerator<EvalSample, void, undefined> {
  const total = Math.min(options.split.numRows, options.limit ?? Number.POSITIVE_INFINITY);
  // Side by side: the split's engine (DuckDB over the prepared files) and the repo's file list.
  // A file larger than an inference request may be would be refused by the server (413): it is not read.
  const [engine, media] = await Promise.all([datasetEngine(hub, manifest, options.config), options.input === 'text' ? undefined : openDatasetMedia(hub, repo.gitDir, manifest.commit, { maxFileBytes: hub.config.maxInferenceBytes })]);
  options.onOpened?.();
  try {
    const selected = [...options.columns.input, options.columns.reference].map(quoteIdentifier).join(', ');
    for (let offset = 0, pageRows = FIRST_PAGE_ROWS; offset < total; offset += pageRows, pageRows = Math.min(PAGE_ROWS, pageRows * 2)) {
      options.signal?.throwIfAborted();
      const end = Math.min(offset + pageRows, total);
      const sql = `SELECT ${ROW_INDEX_COLUMN}, ${selected} FROM ${rowsViewOf(options.split.split)} WHERE ${ROW_INDEX_COLUMN} >= ${offset} AND ${ROW_INDEX_COLUMN} < ${end} ORDER BY ${ROW_INDEX_COLUMN}`;
      const { rows } = await runQuery(engine, sql, { timeoutMs: hub.config.datasetQueryTimeoutMs * 6, maxRows: pageRows });
      if (media) yield* mediaSamples(media, rows, options);
      else yield* textSamples(rows, options);
    }
  } finally {
    await media?.close();
  }
}

function* textSamples(rows: readonly Record<string, unknown>[], options: ReadSamplesOptions): Generator<EvalSample, void, undefined> {
  for (const row of rows) {
    const parts = options.columns.input.map((name) => row[name]).filter((value): value is string => typeof value === 'string' && value !== '');
    // An empty text goes to the model as it is: the task's own check refuses it, counted as that sample's failure.
    yield { rowIdx: Number(row[ROW_INDEX_COLUMN]), input: parts.join('\n'), reference: row[options.columns.reference] ?? null };
  }
}

/** The page's media files, read together; a missing or oversized file is that sample's failure. */
async function* mediaSamples(media: DatasetMedia, rows: readonly Record<string, unknown>[], options: ReadSamplesOptions): AsyncGenerator<EvalSample, void, undefined> {
  const column = options.columns.input[0]!;
  const named = rows.filter((row) => typeof row[column] === 'string');
  const reads = media.read(named.map((row) => ({ path: row[column] as string, row: Number(row[ROW_INDEX_COLUMN]) })));
  for (const row of rows) {
    const rowIdx = Number(row[ROW_INDEX_COLUMN]);
    const reference = row[options.columns.reference] ?? null;
    const path = row[column];
    if (typeof path !== 'string') {
      yield { rowIdx, input: new Uint8Array(), reference, problem: { code: 'HUB_ENTRY_NOT_FOUND', message: `row ${rowIdx}: the dataset commit has no file ${JSON.stringify(path ?? null)}` } };
      continue;
    }
    const next = await reads.next();
    if (next.done) throw new ModaError('INTERNAL', 'the media reader gave fewer files than it was asked for');
    const read = next.value;
    if (isMediaRefusal(read)) yield { rowIdx, input: new Uint8Array(), reference, problem: { code: read.refused === 'missing' ? 'HUB_ENTRY_NOT_FOUND' : 'BODY_TOO_LARGE', message: read.message } };
    else yield { rowIdx, input: read, reference };
  }
}
