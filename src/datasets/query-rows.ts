// The search and filter routes: rows of a split that match a text query (case-insensitive, over its
// text columns) or a `where` fragment, in `orderby` order, paged like /rows with the total count.
import { ModaError } from '../errors/moda-error.js';
import type { HubContext } from '../hub/context.js';
import { checkSqlFragment } from './check-sql-fragment.js';
import { datasetEngine, ROW_INDEX_COLUMN, rowsViewOf } from './dataset-engine.js';
import { findSplit } from './ensure-prepared.js';
import { featuresOf, viewerRow, type RowsPage } from './page-rows.js';
import type { PreparedDataset } from './prepared-dataset.js';
import { runQuery } from './run-query.js';
import { quoteIdentifier } from './sql-text.js';

export interface QueryRowsRequest {
  config: string;
  split: string;
  offset: number;
  length: number;
  fileUrl: (path: string) => string;
  /** search: text matched in every text column. */
  query?: string;
  /** filter: SQL fragments. */
  where?: string;
  orderby?: string;
}

export async function queryRows(hub: HubContext, manifest: PreparedDataset, request: QueryRowsRequest): Promise<RowsPage> {
  const split = findSplit(manifest, request.config, request.split);
  const engine = await datasetEngine(hub, manifest, request.config);
  const conditions: string[] = [];
  const values: string[] = [];
  if (request.query !== undefined) {
    const text = split.columns.filter((column) => column.kind === 'string' && !column.media);
    if (text.length === 0) throw new ModaError('DATASET_QUERY_INVALID', `split ${split.split} has no text column to search`);
    values.push(`%${request.query.replace(/[\\%_]/g, '\\$&')}%`);
    conditions.push(`(${text.map((column) => `${quoteIdentifier(column.name)} ILIKE $1 ESCAPE '\\'`).join(' OR ')})`);
  }
  if (request.where !== undefined) conditions.push(`(${checkSqlFragment(request.where, 'where')})`);
  const order = request.orderby !== undefined ? `${checkSqlFragment(request.orderby, 'orderby')}, ${ROW_INDEX_COLUMN}` : ROW_INDEX_COLUMN;
  const whereSql = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const from = `(SELECT * FROM ${rowsViewOf(split.split)}) AS ${quoteIdentifier(split.split)}`;
  const options = { timeoutMs: hub.config.datasetQueryTimeoutMs, values, selectOnly: true };
  const [page, count] = await Promise.all([
    runQuery(engine, `SELECT * FROM ${from} ${whereSql} ORDER BY ${order} LIMIT ${request.length} OFFSET ${request.offset}`, { ...options, maxRows: request.length }),
    runQuery(engine, `SELECT count(*) AS n FROM ${from} ${whereSql}`, { ...options, maxRows: 1 }),
  ]);
  return {
    features: featuresOf(split),
    rows: page.rows.map((row) => viewerRow(split.columns, row, Number(row[ROW_INDEX_COLUMN]), request.fileUrl)),
    num_rows_total: Number(count.rows[0]?.n ?? 0),
    num_rows_per_page: request.length,
    partial: false,
  };
}
