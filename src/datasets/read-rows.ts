// A page of rows by position. Only the Parquet files that hold the page are opened, and each is
// filtered on its own row numbers (measured on a 3M-row file: ~30 ms instead of ~100 ms for
// LIMIT/OFFSET, which scans from the start). Conversions are files of one small row group each
// (prepare-split.ts), so a page opens one or two small files whatever the split's size.
import type { HubContext } from '../hub/context.js';
import { datasetEngine, ROW_INDEX_COLUMN } from './dataset-engine.js';
import { findSplit } from './ensure-prepared.js';
import { featuresOf, viewerRow, type RowsPage } from './page-rows.js';
import { rowColumnOf, type PreparedDataset } from './prepared-dataset.js';
import { runQuery } from './run-query.js';
import { quoteIdentifier, quoteLiteral } from './sql-text.js';

export interface RowsRequest {
  config: string;
  split: string;
  offset: number;
  length: number;
  fileUrl: (path: string) => string;
}

export async function readRows(hub: HubContext, manifest: PreparedDataset, request: RowsRequest): Promise<RowsPage> {
  const split = findSplit(manifest, request.config, request.split);
  const engine = await datasetEngine(hub, manifest, request.config);
  const paths = engine.paths.get(split.split) ?? [];
  const end = Math.min(request.offset + request.length, split.numRows);
  const selects: string[] = [];
  let start = 0;
  for (const [index, path] of paths.entries()) {
    const rows = split.sourceRows[index] ?? 0;
    const from = Math.max(request.offset - start, 0);
    const to = Math.min(end - start, rows);
    if (from < to) {
      if (split.rowColumn) {
        // A conversion numbers its rows itself: no file_row_number, which a user column may be named.
        const row = quoteIdentifier(rowColumnOf(split));
        selects.push(`SELECT ${row} AS ${ROW_INDEX_COLUMN}, * EXCLUDE (${row}) FROM read_parquet(${quoteLiteral(path)}) WHERE ${row} >= ${start + from} AND ${row} < ${start + to}`);
      } else {
        selects.push(`SELECT ${start} + file_row_number AS ${ROW_INDEX_COLUMN}, * EXCLUDE (file_row_number) FROM read_parquet(${quoteLiteral(path)}, file_row_number = true) WHERE file_row_number >= ${from} AND file_row_number < ${to}`);
      }
    }
    start += rows;
  }
  let rows: Record<string, unknown>[] = [];
  if (selects.length > 0) {
    const union = selects.join(' UNION ALL BY NAME ');
    // `*`: a shard without one of the split's columns leaves it out; the row then shows it as null.
    const sql = `SELECT * FROM (${union}) ORDER BY ${ROW_INDEX_COLUMN}`;
    rows = (await runQuery(engine, sql, { timeoutMs: hub.config.datasetQueryTimeoutMs, maxRows: request.length })).rows;
  }
  return {
    features: featuresOf(split),
    rows: rows.map((row) => viewerRow(split.columns, row, Number(row[ROW_INDEX_COLUMN]), request.fileUrl)),
    num_rows_total: split.numRows,
    num_rows_per_page: request.length,
    partial: false,
  };
}
