// `POST /datasets-server/sql`: one read-only SELECT of a user over the views named after a config's
// splits, on the locked engine (no file, network, extension or setting access), with the server's
// time and row limits.
import type { HubContext } from '../hub/context.js';
import { ModaError } from '../errors/moda-error.js';
import { datasetEngine } from './dataset-engine.js';
import { requireUsable } from './ensure-prepared.js';
import type { PreparedDataset } from './prepared-dataset.js';
import { runQuery } from './run-query.js';

export interface SqlResponse {
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  num_rows: number;
  /** The result had more rows than the server returns. */
  partial: boolean;
}

const MAX_QUERY_CHARS = 20_000;

export async function runDatasetSql(hub: HubContext, manifest: PreparedDataset, config: string, query: string): Promise<SqlResponse> {
  requireUsable(manifest);
  if (query.length > MAX_QUERY_CHARS) throw new ModaError('DATASET_QUERY_INVALID', `the query is longer than ${MAX_QUERY_CHARS} characters`);
  const engine = await datasetEngine(hub, manifest, config);
  const result = await runQuery(engine, query, { timeoutMs: hub.config.datasetQueryTimeoutMs, maxRows: hub.config.datasetSqlMaxRows, selectOnly: true });
  return { columns: result.columns, rows: result.rows, num_rows: result.rows.length, partial: result.truncated };
}
