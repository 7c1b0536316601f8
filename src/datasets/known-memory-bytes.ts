// The part of a split's Arrow size (arrow-memory-bytes.ts) that needs no scan of its rows: a
// fixed-width column takes its width per row, nulls included, plus a validity bitmap when it holds
// a null, and the Parquet footer DuckDB wrote has every row group's null count. Text, binary and
// nested columns hold values of their own sizes, which Parquet does not record unencoded, so they
// are left to a scan (measure-dataset-memory.ts). Reading the whole converted file once more cost
// 0.33 s of CPU against 4.3 s for the conversion (2.5 M rows of the bench CSV), 0.22 s of it for
// the text columns.
import type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
import { fixedWidthBytes } from './arrow-memory-bytes.js';
import { quoteList, quoteLiteral } from './sql-text.js';

export interface KnownMemory {
  /** Bytes of the columns counted from the footer (not rounded: booleans take an eighth of a byte). */
  bytes: number;
  /** Columns whose bytes only a scan of their values gives. */
  scan: { name: string; type: DuckDBType }[];
}

/**
 * Splits `columns` of the Parquet files at `paths` (one schema, `rows` rows in all) into bytes known
 * from their footers and columns to scan. A column counts as known only when every row group of
 * every file records its null count under exactly its name (a dotted name could also be a nested
 * field's path, so those are scanned).
 */
export async function knownMemoryBytes(connection: DuckDBConnection, paths: string[], columns: { name: string; type: DuckDBType }[], rows: number): Promise<KnownMemory> {
  const fixed = columns.filter((column) => fixedWidthBytes(column.type) !== undefined && !column.name.includes('.'));
  if (fixed.length === 0 || paths.length === 0) return { bytes: 0, scan: columns };
  const reader = await connection.runAndReadAll(
    `SELECT path_in_schema, count(*) AS groups, count(stats_null_count) AS counted, coalesce(sum(stats_null_count), 0) AS nulls FROM parquet_metadata(${quoteList(paths)}) WHERE path_in_schema IN (${fixed.map((column) => quoteLiteral(column.name)).join(', ')}) GROUP BY path_in_schema`,
  );
  const groupsReader = await connection.runAndReadAll(`SELECT coalesce(sum(num_row_groups), 0) FROM parquet_file_metadata(${quoteList(paths)})`);
  const groups = Number(groupsReader.getRowsJS()[0]?.[0] ?? 0);
  const nullsOf = new Map<string, number>();
  for (const [path, found, counted, nulls] of reader.getRowsJS()) {
    if (Number(found) === groups && Number(counted) === groups) nullsOf.set(String(path), Number(nulls));
  }
  let bytes = 0;
  const scan: { name: string; type: DuckDBType }[] = [];
  for (const column of columns) {
    const width = fixedWidthBytes(column.type);
    const nulls = nullsOf.get(column.name);
    if (width === undefined || nulls === undefined || column.name.includes('.')) {
      scan.push(column);
      continue;
    }
    bytes += rows * width + (nulls > 0 ? Math.ceil(rows / 8) : 0);
  }
  return { bytes, scan };
}
