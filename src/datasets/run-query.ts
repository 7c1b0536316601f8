// Runs one SQL statement on a dataset engine without holding the event loop (DuckDB executes on its
// own threads): a fresh connection per query, interrupted at the time limit, reading at most
// `maxRows` rows. DuckDB's errors become catalog codes.
import type { DuckDBValue } from '@duckdb/node-api';
import { ModaError, isModaError } from '../errors/moda-error.js';
import { toJsonValue } from './dataset-features.js';
import { withEngine, type DatasetEngine } from './dataset-engine.js';

export interface QueryResult {
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  /** More rows than `maxRows` were there. */
  truncated: boolean;
}

export interface QueryOptions {
  timeoutMs: number;
  maxRows: number;
  values?: DuckDBValue[];
  /** Refuses anything but one SELECT (users' SQL); Moda's own queries skip the parse. */
  selectOnly?: boolean;
}

/** Maps a DuckDB error onto the catalog: the user's query is wrong, refused, or a file is bad. */
export function queryError(error: unknown, timedOut: boolean): ModaError {
  if (isModaError(error)) return error;
  if (timedOut) return new ModaError('DATASET_QUERY_TIMEOUT', undefined, { cause: error });
  // The binding prefixes some errors ("Failed to extract statements: Parser Error: …").
  const message = ((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '').replace(/^Failed to [\w ]+: (?=[A-Z][\w ]* Error)/, '');
  if (/^(Permission Error|Invalid Input Error: Cannot change configuration|Invalid Input Error: Loading external)/.test(message)) return new ModaError('DATASET_QUERY_NOT_ALLOWED', message, { cause: error });
  if (/^(Parser Error|Binder Error|Catalog Error|Conversion Error|Not implemented Error|Out of Range Error|Invalid Input Error|Syntax Error)/.test(message)) {
    if (/Malformed JSON|parquet|Parquet|Expected Number of Columns|CSV/.test(message)) return new ModaError('DATASET_FILE_INVALID', message, { cause: error });
    return new ModaError('DATASET_QUERY_INVALID', message, { cause: error });
  }
  if (/^(IO Error|Corrupt)/.test(message)) return new ModaError('DATASET_FILE_INVALID', message, { cause: error });
  if (/^Interrupt/.test(message)) return new ModaError('DATASET_QUERY_TIMEOUT', undefined, { cause: error });
  if (/^Out of Memory Error/.test(message)) return new ModaError('DATASET_QUERY_INVALID', `the query needs more memory than a dataset query may use: ${message}`, { cause: error });
  return new ModaError('INTERNAL', message, { cause: error });
}

/** A DuckDB message may name the server's files: it names the split instead. */
function redactPaths(error: ModaError, engine: DatasetEngine): ModaError {
  let message = error.message;
  for (const [split, paths] of engine.paths) for (const path of paths) message = message.split(path).join(`<${split}>`);
  return message === error.message ? error : new ModaError(error.code, message, { cause: error.cause });
}

export async function runQuery(engine: DatasetEngine, sql: string, options: QueryOptions): Promise<QueryResult> {
  return withEngine(engine, async () => {
    const connection = await engine.instance.connect();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      connection.interrupt();
    }, options.timeoutMs);
    try {
      let prepared;
      if (options.selectOnly) {
        const statements = await connection.extractStatements(sql);
        if (statements.count !== 1) throw new ModaError('DATASET_QUERY_NOT_ALLOWED', `send exactly one statement (got ${statements.count})`);
        prepared = await statements.prepare(0);
        // StatementType.SELECT is 1 in DuckDB's C API.
        if (Number(prepared.statementType) !== 1) throw new ModaError('DATASET_QUERY_NOT_ALLOWED', 'only a SELECT statement is allowed');
        if (prepared.parameterCount !== (options.values?.length ?? 0)) throw new ModaError('DATASET_QUERY_INVALID', 'the query has parameters ($1, ?) and none are given');
      } else prepared = await connection.prepare(sql);
      if (options.values && options.values.length > 0) prepared.bind(options.values);
      const reader = await prepared.streamAndReadUntil(options.maxRows + 1);
      const types = reader.columnTypes();
      const names = reader.columnNames();
      const rows = reader.getRowObjectsJS().slice(0, options.maxRows).map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, toJsonValue(value)])));
      return { columns: names.map((name, index) => ({ name, type: String(types[index]) })), rows, truncated: reader.currentRowCount > options.maxRows };
    } catch (error) {
      throw redactPaths(queryError(error, timedOut), engine);
    } finally {
      clearTimeout(timer);
      connection.closeSync();
    }
  });
}
