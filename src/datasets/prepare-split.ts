// Prepares one split: Parquet sources with small row groups are checked and read in place; CSV, TSV,
// JSON and Parquet with large row groups are converted once into one Parquet file of row groups of a
// few MiB, in row order (paging a CSV means re-parsing it; a page of Parquet decodes whole row
// groups); media folders become a table of file paths (plus labels or metadata).
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
import { arrowMemoryBytes } from './arrow-memory-bytes.js';
import { knownMemoryBytes } from './known-memory-bytes.js';
import { mediaSelect } from './media-select.js';
import { mediaStatistics } from './media-statistics.js';
import { readerSql, unionOf } from './reader-sql.js';
import { zipSelect } from './zip-select.js';
import type { SplitLayout } from './dataset-layout.js';
import { columnKindOf, featureOfType } from './dataset-features.js';
import { ROW_COLUMN, type ParquetSource, type PreparedColumn, type PreparedSplit } from './prepared-dataset.js';
import { quoteIdentifier, quoteList, quoteLiteral } from './sql-text.js';
import { FILE_COLUMN, ROW_INDEX_COLUMN } from './dataset-engine.js';
import { ModaError } from '../errors/moda-error.js';
import type { SourceFile } from './source-files.js';

/** Rows per Parquet file (one row group) of a numbered conversion: a page of rows decodes one or two. */
export const ROW_GROUP_SIZE = 2048;

/**
 * A page of a converted file decodes one whole row group, and DuckDB visits every group of the file
 * for each page whatever its filter: a page costs about GROUP_VISIT_BYTES of decoding per group in
 * the file plus the bytes of its own group, least with groups of sqrt(GROUP_VISIT_BYTES × file
 * bytes) (2.5 M bench rows, pages under a load of 17-21: p50 81 ms with groups of 2,048 rows, 40 ms
 * with 4,096, 32 ms with 8,192, 48 ms with 16,384, 113 ms with 32,768). Bounded by MIN_GROUP_ROWS,
 * MAX_GROUP_ROWS and MAX_GROUP_BYTES (DuckDB writes no group under 2,048 rows).
 */
const GROUP_VISIT_BYTES = 3000;
const MAX_GROUP_BYTES = 4 * 1024 ** 2;
const MIN_GROUP_ROWS = 2048;
const MAX_GROUP_ROWS = 32_768;
/** Rows read from the start of a source to estimate its row width. */
const SAMPLE_ROWS = 2048;

async function columnsOf(connection: DuckDBConnection, from: string): Promise<{ name: string; type: DuckDBType }[]> {
  const reader = await connection.runAndReadUntil(`SELECT * FROM ${from} LIMIT 0`, 0);
  const types = reader.columnTypes();
  return reader.columnNames().map((name, index) => ({ name, type: types[index] as DuckDBType }));
}

function describe(columns: { name: string; type: DuckDBType }[]): PreparedColumn[] {
  return columns.map(({ name, type }) => ({ name, sqlType: type.toString(), kind: columnKindOf(type), feature: featureOfType(type) }));
}

async function parquetRows(connection: DuckDBConnection, paths: string[]): Promise<number[]> {
  const reader = await connection.runAndReadAll(`SELECT file_name, num_rows FROM parquet_file_metadata(${quoteList(paths)})`);
  const rows = new Map(reader.getRowsJS().map(([name, count]) => [String(name), Number(count)]));
  return paths.map((path) => rows.get(path) ?? 0);
}

/** Row groups past these bounds make a page decode far more than it shows. */
const MAX_IN_PLACE_GROUP_ROWS = 2 * ROW_GROUP_SIZE;
const MAX_IN_PLACE_GROUP_BYTES = 16 * 1024 ** 2;

/**
 * Whether Parquet files can be paged where they are: a page decodes whole row groups, so files with
 * large ones (writers default to 100k–1M rows) are rewritten with small groups instead (measured on a
 * 64 MiB file of 100k-row groups: p50 115 ms per page in place, 45 ms rewritten).
 */
async function pagesQuickly(connection: DuckDBConnection, paths: string[]): Promise<boolean> {
  const reader = await connection.runAndReadAll(
    `SELECT coalesce(max(rows), 0) AS rows, coalesce(max(bytes), 0) AS bytes FROM (SELECT file_name, row_group_id, max(row_group_num_rows) AS rows, sum(total_uncompressed_size) AS bytes FROM parquet_metadata(${quoteList(paths)}) GROUP BY file_name, row_group_id)`,
  );
  const [rows, bytes] = (reader.getRowsJS()[0] ?? [0, 0]).map(Number);
  return (rows ?? 0) <= MAX_IN_PLACE_GROUP_ROWS && (bytes ?? 0) <= MAX_IN_PLACE_GROUP_BYTES;
}

interface Converted {
  sources: ParquetSource[];
  sourceRows: number[];
  /** The name of the column holding each row's index in the split (numbered conversions only). */
  rowColumn?: string;
}

/**
 * Whether Parquet files hold a column named like one the viewer adds when it reads files in place
 * (file_row_number, FILE_COLUMN): such files are converted instead, where neither is used.
 */
async function holdsReadColumns(connection: DuckDBConnection, paths: string[]): Promise<boolean> {
  const names = (await columnsOf(connection, `read_parquet(${quoteList(paths)}, union_by_name = true)`)).map((column) => column.name.toLowerCase());
  return names.includes('file_row_number') || names.includes(FILE_COLUMN);
}

export interface SplitWork {
  connection: DuckDBConnection;
  layout: SplitLayout;
  sources: SourceFile[];
  metadata: SourceFile[];
  /** Work folder of this preparation; `outputName` is created in it. */
  workDir: string;
  outputName: string;
  signal?: AbortSignal;
}

/**
 * The fallback conversion of a split holding a column named like one the viewer adds when it reads
 * a file by position (file_row_number, FILE_COLUMN). Converts `select` into Parquet files of one small row group each (`<output>/data_<n>.parquet`),
 * with ROW_COLUMN holding each row's index in the split. A page then opens only the one or two
 * files that hold it: DuckDB scans a file's every row group even when a filter leaves one, so a
 * page of a single converted file cost time in proportion to the split (measured at 600k rows
 * under a load of 20: 13-30 ms of CPU per page in one file, 7 ms across files of 2,048 rows).
 * Snappy, not zstd: zstd on row groups this small doubled the conversion (5.1 M rows of the 1 GiB
 * bench CSV: 19.6 s against 9.8 s, DuckDB's plain COPY 6.5 s), and pages read snappy faster.
 * DuckDB writes the files from several threads, so their order comes from ROW_COLUMN's statistics;
 * if they do not tile the rows exactly, one file sorted by ROW_COLUMN is written instead.
 * A user column may be named ROW_COLUMN too: the row column then takes the first free
 * `__moda_row_<n>`, recorded in the manifest.
 */
async function convertNumbered(work: SplitWork, select: string, taken: Set<string>): Promise<Converted> {
  const folder = work.outputName.replace(/\.parquet$/, '');
  const output = join(work.workDir, folder);
  let rowColumn = ROW_COLUMN;
  for (let suffix = 1; taken.has(rowColumn.toLowerCase()); suffix++) rowColumn = `${ROW_COLUMN}_${suffix}`;
  const row = quoteIdentifier(rowColumn);
  const numbered = `SELECT row_number() OVER () - 1 AS ${row}, * FROM (${select})`;
  await work.connection.run(`COPY (${numbered}) TO ${quoteLiteral(output)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${ROW_GROUP_SIZE}, ROW_GROUPS_PER_FILE 1)`);
  const names = (await readdir(output).catch(() => [] as string[])).filter((name) => name.endsWith('.parquet'));
  const paths = names.map((name) => join(output, name));
  const files =
    paths.length === 0
      ? []
      : (
          await work.connection.runAndReadAll(
            `SELECT file_name, min(TRY_CAST(stats_min_value AS BIGINT)) AS lo, max(TRY_CAST(stats_max_value AS BIGINT)) AS hi, sum(row_group_num_rows) AS n FROM parquet_metadata(${quoteList(paths)}) WHERE path_in_schema = ${quoteLiteral(rowColumn)} GROUP BY file_name`,
          )
        )
          .getRowsJS()
          .map(([file, lo, hi, n]) => ({ file: String(file), lo: Number(lo), hi: Number(hi), rows: Number(n) }))
          .sort((a, b) => a.lo - b.lo);
  let next = 0;
  const tiled = files.length === paths.length && files.every((file) => {
    const fits = file.lo === next && file.hi - file.lo + 1 === file.rows;
    next += file.rows;
    return fits;
  });
  if (tiled && files.length > 0) {
    return { sources: files.map((file) => ({ kind: 'cache', file: `${folder}/${file.file.slice(output.length + 1)}` })), sourceRows: files.map((file) => file.rows), rowColumn };
  }
  // No rows (no file written), or files that do not tile: one file, in order.
  const single = `${folder}.parquet`;
  const from = paths.length > 0 ? `SELECT * FROM read_parquet(${quoteList(paths)}) ORDER BY ${row}` : numbered;
  await work.connection.run(`COPY (${from}) TO ${quoteLiteral(join(work.workDir, single))} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${ROW_GROUP_SIZE})`);
  await rm(output, { recursive: true, force: true });
  return { sources: [{ kind: 'cache', file: single }], sourceRows: await parquetRows(work.connection, [join(work.workDir, single)]), rowColumn };
}

/**
 * Rows per group of a conversion of `select`, from the Arrow width of its first rows and the size of
 * its sources (compressed text counts four times: a guess of the split's size, not a measure).
 */
async function groupRowsOf(work: SplitWork, select: string, columns: { name: string; type: DuckDBType }[]): Promise<number> {
  const sample = `(SELECT * FROM (${select}) LIMIT ${SAMPLE_ROWS})`;
  const reader = await work.connection.runAndReadAll(`SELECT count(*) FROM ${sample}`);
  const rows = Number(reader.getRowsJS()[0]?.[0] ?? 0);
  if (rows === 0) return MIN_GROUP_ROWS;
  const rowBytes = Math.max(1, (await arrowMemoryBytes(work.connection, sample, columns)) / rows);
  const splitBytes = work.sources.reduce((sum, file) => sum + file.size * (file.compression === 'none' ? 1 : 4), 0);
  const best = Math.sqrt(GROUP_VISIT_BYTES * splitBytes) / rowBytes;
  return Math.round(Math.max(MIN_GROUP_ROWS, Math.min(MAX_GROUP_ROWS, MAX_GROUP_BYTES / rowBytes, best)));
}

/**
 * Converts `select` into one Parquet file (`outputName`) in the order of its rows. No row number is
 * computed: `row_number() OVER ()` made the whole pipeline single-threaded (5.1 M rows of the bench
 * CSV: 9.5 s against 5.2 s), while DuckDB's COPY to one file keeps insertion order and still reads
 * and encodes in parallel (it writes batches in order). A page then filters the file on its
 * file_row_number. Snappy, not zstd: pages read snappy faster and zstd doubled conversions.
 */
async function convert(work: SplitWork, select: string): Promise<Converted> {
  const columns = await columnsOf(work.connection, `(${select})`);
  // DuckDB matches column names without regard to case.
  const taken = new Set(columns.map((column) => column.name.toLowerCase()));
  if (taken.has('file_row_number') || taken.has(FILE_COLUMN)) return convertNumbered(work, select, taken);
  const groupRows = await groupRowsOf(work, select, columns);
  const path = join(work.workDir, work.outputName);
  // RETURN_STATS: the row count without reading the footer back.
  const stats = await work.connection.runAndReadAll(`COPY (${select}) TO ${quoteLiteral(path)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${groupRows}, RETURN_STATS)`);
  const written = stats.getRowsJS()[0];
  const rows = written ? Number(written[1]) : (await parquetRows(work.connection, [path]))[0] ?? 0;
  return { sources: [{ kind: 'cache', file: work.outputName }], sourceRows: [rows] };
}

export async function prepareSplit(work: SplitWork): Promise<PreparedSplit> {
  const { layout, connection } = work;
  const originalBytes = work.sources.reduce((sum, file) => sum + file.size, 0);
  let sources: ParquetSource[] = [];
  let sourceRows: number[] = [];
  let media: { column: 'image' | 'audio'; labels?: string[] } | undefined;
  // Media read from the repo's own files, or (zip) members unpacked into the work folder.
  let mediaFiles = work.sources;
  let archives: string[] | undefined;
  const inPlace = layout.format === 'parquet' && (await pagesQuickly(connection, work.sources.map((file) => file.localPath))) && !(await holdsReadColumns(connection, work.sources.map((file) => file.localPath)));
  let converted: Converted | undefined;
  if (inPlace) {
    // In place: the footer and schema are read now, so a truncated file fails here, not on a page.
    sourceRows = await parquetRows(connection, work.sources.map((file) => file.localPath));
    sources = work.sources.map((file) => (file.oid ? { kind: 'blob', oid: file.oid } : { kind: 'cache', file: file.localPath.slice(work.workDir.length + 1) }));
  } else if (layout.format === 'parquet') {
    converted = await convert(work, `SELECT * FROM read_parquet(${quoteList(work.sources.map((file) => file.localPath))}, union_by_name = true)`);
  } else if (layout.format === 'imagefolder' || layout.format === 'audiofolder') {
    const column = layout.format === 'imagefolder' ? 'image' : 'audio';
    const files = layout.files.map((path) => ({ path, classPath: path }));
    const built = await mediaSelect({ connection, column, files, metadata: work.metadata, workDir: work.workDir, name: work.outputName });
    media = built;
    converted = await convert(work, built.select);
  } else if (layout.format === 'zip') {
    const unpacked = await zipSelect({ connection, split: layout.split, sources: work.sources, workDir: work.workDir, outputName: work.outputName });
    if (unpacked.kind === 'media') {
      media = unpacked.media;
      mediaFiles = unpacked.files;
      archives = unpacked.archives;
      converted = await convert(work, unpacked.media.select);
    } else converted = await convert(work, unpacked.select);
  } else {
    const format = layout.format;
    converted = await convert(work, unionOf(work.sources.map((file) => `SELECT * FROM ${readerSql(format, file)}`)));
  }
  if (converted) ({ sources, sourceRows } = converted);
  const parquetPaths = sources.map((source, index) => (source.kind === 'cache' ? join(work.workDir, source.file) : (work.sources[index]?.localPath ?? '')));
  // Every conversion holds its row column and one schema; files read in place may differ in columns.
  const rowColumn = converted?.rowColumn !== undefined;
  const from = `read_parquet(${quoteList(parquetPaths)}, union_by_name = ${inPlace && parquetPaths.length > 1 ? 'true' : 'false'})`;
  const typed = (await columnsOf(connection, from)).filter((column) => column.name !== converted?.rowColumn);
  const reserved = typed.find((column) => column.name.toLowerCase() === ROW_INDEX_COLUMN);
  if (reserved) throw new ModaError('DATASET_FILE_INVALID', `column ${JSON.stringify(reserved.name)} has the name the viewer gives row indexes; rename it`);
  const columns = describe(typed);
  if (media) {
    for (const column of columns) {
      if (column.name === media.column) {
        column.media = media.column;
        column.feature = { _type: media.column === 'image' ? 'Image' : 'Audio' };
      }
      if (column.name === 'label' && media.labels) {
        column.labels = media.labels;
        column.feature = { names: media.labels, _type: 'ClassLabel' };
      }
    }
  }
  const sizes = await Promise.all(parquetPaths.map(async (path) => (await stat(path)).size));
  const numRows = sourceRows.reduce((sum, count) => sum + count, 0);
  // Fixed-width columns of a conversion (one schema, footers DuckDB wrote) are counted from their
  // footers; the rest is scanned after /splits answers (measure-dataset-memory.ts), off its path.
  // A media column holds paths here, the files' bytes in a `datasets` Image/Audio column.
  const known = converted ? await knownMemoryBytes(connection, parquetPaths, typed, numRows) : { bytes: 0, scan: typed };
  const knownBytes = known.bytes + (media ? originalBytes : 0);
  const memory = known.scan.length === 0 ? { memoryBytes: Math.round(knownBytes) } : { memoryScan: { knownBytes, columns: known.scan.map((column) => column.name), unionByName: inPlace && parquetPaths.length > 1 } };
  const mediaStats = media && [
    await mediaStatistics({ connection, kind: media.column, column: media.column, parquetPaths, files: mediaFiles, workDir: work.workDir, name: work.outputName, rows: numRows, ...(work.signal && { signal: work.signal }) }),
  ];
  return {
    split: layout.split,
    // A zip of images is read as an image folder, and described as one.
    format: layout.format === 'zip' && media ? (media.column === 'image' ? 'imagefolder' : 'audiofolder') : layout.format,
    sources,
    sourceRows,
    numRows,
    originalBytes,
    parquetBytes: sizes.reduce((sum, size) => sum + size, 0),
    ...memory,
    columns,
    ...(rowColumn && { rowColumn }),
    ...(converted?.rowColumn !== undefined && converted.rowColumn !== ROW_COLUMN && { rowColumnName: converted.rowColumn }),
    ...(mediaStats && { mediaStatistics: mediaStats }),
    ...(archives && { archives }),
  };
}
