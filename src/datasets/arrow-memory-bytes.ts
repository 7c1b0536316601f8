// `num_bytes_memory` of /size: what a split takes in memory as an Apache Arrow table, which is what
// Hugging Face reports (the `datasets` library's in-memory size). Computed at preparation in one
// scan of the split's Parquet from the Arrow layout of each column type:
// - fixed-width values: their width per row (bool: 1 bit; decimal: 16 bytes), nulls included, as
//   Arrow keeps a slot for them;
// - text and binary: a 4-byte offset per value plus the bytes of the value (UTF-8);
// - lists: a 4-byte offset per list plus the size of their elements; fixed-size arrays: elements
//   only; structs: the sum of their fields; maps and other types: as their text;
// - a validity bitmap (1 bit per row) for each top-level column that holds a null.
// Media columns (imagefolder/audiofolder) hold a path here but the files' bytes in a `datasets`
// Image/Audio column, so the split's media files' sizes are added by the caller.
import { DuckDBTypeId, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { quoteIdentifier } from './sql-text.js';

const FIXED_WIDTH: Partial<Record<DuckDBTypeId, number>> = {
  [DuckDBTypeId.TINYINT]: 1,
  [DuckDBTypeId.UTINYINT]: 1,
  [DuckDBTypeId.SMALLINT]: 2,
  [DuckDBTypeId.USMALLINT]: 2,
  [DuckDBTypeId.INTEGER]: 4,
  [DuckDBTypeId.UINTEGER]: 4,
  [DuckDBTypeId.FLOAT]: 4,
  [DuckDBTypeId.DATE]: 4,
  [DuckDBTypeId.BIGINT]: 8,
  [DuckDBTypeId.UBIGINT]: 8,
  [DuckDBTypeId.DOUBLE]: 8,
  [DuckDBTypeId.TIME]: 8,
  [DuckDBTypeId.TIMESTAMP]: 8,
  [DuckDBTypeId.TIMESTAMP_S]: 8,
  [DuckDBTypeId.TIMESTAMP_MS]: 8,
  [DuckDBTypeId.TIMESTAMP_NS]: 8,
  [DuckDBTypeId.TIMESTAMP_TZ]: 8,
  [DuckDBTypeId.INTERVAL]: 16,
  [DuckDBTypeId.HUGEINT]: 16,
  [DuckDBTypeId.UHUGEINT]: 16,
  [DuckDBTypeId.DECIMAL]: 16,
  [DuckDBTypeId.UUID]: 16,
};

/** Arrow bytes per row of a fixed-width type (its values take the same room null or not), else undefined. */
export function fixedWidthBytes(type: DuckDBType): number | undefined {
  return type.typeId === DuckDBTypeId.BOOLEAN ? 0.125 : FIXED_WIDTH[type.typeId];
}

/** SQL for the Arrow bytes of one value held in `expression` (per row; `depth` names lambda variables). */
export function valueBytesSql(type: DuckDBType, expression: string, depth = 0): string {
  const fixed = FIXED_WIDTH[type.typeId];
  if (fixed !== undefined) return String(fixed);
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return '0.125';
    case DuckDBTypeId.VARCHAR:
      return `(4 + coalesce(strlen(${expression}), 0))`;
    case DuckDBTypeId.BLOB:
      return `(4 + coalesce(octet_length(${expression}), 0))`;
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const element = `x${depth}`;
      const offsets = type.typeId === DuckDBTypeId.LIST ? 4 : 0;
      return `(${offsets} + coalesce(list_sum(list_transform(${expression}, ${element} -> ${valueBytesSql(type.valueType, element, depth + 1)})), 0))`;
    }
    case DuckDBTypeId.STRUCT:
      if (type.entryNames.length === 0) return '0';
      return `(${type.entryNames.map((name, index) => valueBytesSql(type.entryTypes[index] as DuckDBType, `struct_extract(${expression}, ${quoteLiteralName(name)})`, depth)).join(' + ')})`;
    default:
      return `(4 + coalesce(strlen(CAST(${expression} AS VARCHAR)), 0))`;
  }
}

function quoteLiteralName(name: string): string {
  return `'${name.replace(/'/g, "''")}'`;
}

/** Arrow bytes of the table `from` (a read_parquet call) with these columns. */
export async function arrowMemoryBytes(connection: DuckDBConnection, from: string, columns: { name: string; type: DuckDBType }[]): Promise<number> {
  return Math.round(await scannedMemoryBytes(connection, from, columns));
}

/** As arrowMemoryBytes, not rounded (booleans take an eighth of a byte), for sums of parts. */
export async function scannedMemoryBytes(connection: DuckDBConnection, from: string, columns: { name: string; type: DuckDBType }[]): Promise<number> {
  if (columns.length === 0) return 0;
  const parts = columns.flatMap(({ name, type }) => {
    const column = quoteIdentifier(name);
    // A validity bitmap exists only when the column has a null.
    return [`coalesce(sum(${valueBytesSql(type, column)}), 0)`, `CASE WHEN count(${column}) < count(*) THEN ceil(count(*) / 8) ELSE 0 END`];
  });
  const reader = await connection.runAndReadAll(`SELECT ${parts.join(' + ')} AS bytes FROM ${from}`);
  return Number(reader.getRowsJS()[0]?.[0] ?? 0);
}
