// Hugging Face `features` from DuckDB column types ({dtype, _type: 'Value'}, Sequence, dicts,
// ClassLabel, Image, Audio), and row values as plain JSON (BIGINT as numbers where exact, dates as
// ISO text, bytes as base64).
import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';

export type Feature = { [key: string]: unknown };

const DTYPES: Partial<Record<DuckDBTypeId, string>> = {
  [DuckDBTypeId.BOOLEAN]: 'bool',
  [DuckDBTypeId.TINYINT]: 'int8',
  [DuckDBTypeId.SMALLINT]: 'int16',
  [DuckDBTypeId.INTEGER]: 'int32',
  [DuckDBTypeId.BIGINT]: 'int64',
  [DuckDBTypeId.HUGEINT]: 'int64',
  [DuckDBTypeId.UTINYINT]: 'uint8',
  [DuckDBTypeId.USMALLINT]: 'uint16',
  [DuckDBTypeId.UINTEGER]: 'uint32',
  [DuckDBTypeId.UBIGINT]: 'uint64',
  [DuckDBTypeId.FLOAT]: 'float32',
  [DuckDBTypeId.DOUBLE]: 'float64',
  [DuckDBTypeId.DECIMAL]: 'float64',
  [DuckDBTypeId.VARCHAR]: 'string',
  [DuckDBTypeId.UUID]: 'string',
  [DuckDBTypeId.BLOB]: 'binary',
  [DuckDBTypeId.DATE]: 'date32',
  [DuckDBTypeId.TIME]: 'time64[us]',
  [DuckDBTypeId.TIMESTAMP]: 'timestamp[us]',
  [DuckDBTypeId.TIMESTAMP_S]: 'timestamp[s]',
  [DuckDBTypeId.TIMESTAMP_MS]: 'timestamp[ms]',
  [DuckDBTypeId.TIMESTAMP_NS]: 'timestamp[ns]',
  [DuckDBTypeId.TIMESTAMP_TZ]: 'timestamp[us, tz=UTC]',
};

export function featureOfType(type: DuckDBType): Feature {
  switch (type.typeId) {
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return { feature: featureOfType(type.valueType), _type: 'Sequence' };
    case DuckDBTypeId.STRUCT:
      return Object.fromEntries(type.entryNames.map((name, index) => [name, featureOfType(type.entryTypes[index] as DuckDBType)]));
    default:
      return { dtype: DTYPES[type.typeId] ?? 'string', _type: 'Value' };
  }
}

/** The kind of statistics a column gets. */
export type ColumnKind = 'int' | 'float' | 'bool' | 'string' | 'list' | 'other';

export function columnKindOf(type: DuckDBType): ColumnKind {
  const dtype = DTYPES[type.typeId];
  if (type.typeId === DuckDBTypeId.LIST || type.typeId === DuckDBTypeId.ARRAY) return 'list';
  if (dtype === 'bool') return 'bool';
  if (dtype === 'string' && type.typeId === DuckDBTypeId.VARCHAR) return 'string';
  if (dtype?.startsWith('int') || dtype?.startsWith('uint')) return 'int';
  if (dtype?.startsWith('float')) return 'float';
  return 'other';
}

/** A DuckDB value (as the JS converter gives it) as JSON. */
export function toJsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, toJsonValue(entry)]));
  return value;
}
