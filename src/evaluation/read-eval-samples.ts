// Reads the samples of one split of a prepared dataset commit in row order, a page at a time, with
// the input columns as the model takes them: text (several columns joined by a newline) or the
// bytes of the image/audio file the row names, read from the dataset repo at that same commit.
import { ModaError } from '../errors/moda-error.js';
import type { HubContext } from '../hub/context.js';
import { listFiles, readBlobs, type RepoFile } from '../hub/list-files.js';
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

export interface ReadSamplesOptions {
  config: string;
  split: PreparedSplit;
  columns: EvalColumns;
  input: InputKind;
  limit: number | undefined;
  signal?: AbortSignal;
}

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export async function* readEvalSamples(hub: HubContext, repo: { gitDir: string }, manifest: PreparedDataset, options: ReadSamplesOptions): AsyncGenerator<EvalSample, void, undefined> {
  const engine = await datasetEngine(hub, manifest, options.config);
  const total = Math.min(options.split.numRows, options.limit ?? Number.POSITIVE_INFINITY);
  const files = options.input === 'text' ? new Map<string, RepoFile>() : new Map((await listFiles(repo.gitDir, manifest.commit)).map((file) => [file.path, file]));
  const selected = [...options.columns.input, options.columns.reference].map(quoteIdentifier).join(', ');
  for (let offset = 0; offset < total; offset += PAGE_ROWS) {
    options.signal?.throwIfAborted();
    const end = Math.min(offset + PAGE_ROWS, total);
    const sql = `SELECT ${ROW_INDEX_COLUMN}, ${selected} FROM ${rowsViewOf(options.split.split)} WHERE ${ROW_INDEX_COLUMN} >= ${offset} AND ${ROW_INDEX_COLUMN} < ${end} ORDER BY ${ROW_INDEX_COLUMN}`;
    const { rows } = await runQuery(engine, sql, { timeoutMs: hub.config.datasetQueryTimeoutMs * 6, maxRows: PAGE_ROWS });
    // Files kept in git are read in one git process per page; LFS files from the blob store.
    const gitBlobs = options.input === 'text' ? new Map<string, Buffer>() : await readBlobs(repo.gitDir, rows.map((row) => files.get(String(row[options.columns.input[0]!]))).filter((file): file is RepoFile => file !== undefined && !file.lfs).map((file) => file.blobId));
    for (const row of rows) {
      const rowIdx = Number(row[ROW_INDEX_COLUMN]);
      const reference = row[options.columns.reference] ?? null;
      if (options.input === 'text') {
        const parts = options.columns.input.map((name) => row[name]).filter((value): value is string => typeof value === 'string' && value !== '');
        // An empty text goes to the model as it is: the task's own check refuses it, counted as that sample's failure.
        yield { rowIdx, input: parts.join('\n'), reference };
        continue;
      }
      const path = row[options.columns.input[0]!];
      const file = typeof path === 'string' ? files.get(path) : undefined;
      if (!file) {
        yield { rowIdx, input: new Uint8Array(), reference, problem: { code: 'HUB_ENTRY_NOT_FOUND', message: `row ${rowIdx}: the dataset commit has no file ${JSON.stringify(path)}` } };
        continue;
      }
      const bytes = file.lfs ? await readAll(await hub.blobs.read(file.lfs.oid)) : gitBlobs.get(file.blobId);
      if (!bytes) throw new ModaError('INTERNAL', `could not read ${file.path} from the dataset repo`);
      yield { rowIdx, input: new Uint8Array(bytes), reference };
    }
  }
}
