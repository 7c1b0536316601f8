// What preparing a dataset commit leaves in its cache folder (`manifest.json`): per split, the
// Parquet files rows are read from (the repo's own LFS objects in place, or a conversion in the
// cache), their row counts, column types and features. Written once per commit, never changed.
import type { DataFormat } from './dataset-layout.js';
import type { ColumnKind, Feature } from './dataset-features.js';
import type { ColumnStatistics } from './column-statistics.js';

// 3: memoryBytes, mediaStatistics and conversions in files of one row group; 4: conversions in one
// file paged by file_row_number (no row column); 5: memoryBytes only when known without a scan, else
// memoryScan (measured after /splits answers, kept in memory.json). Older preparations are prepared again.
export const MANIFEST_VERSION = 5;

/** The row's index in the split, stored in converted files (prepare-split.ts) and hidden from users. */
export const ROW_COLUMN = '__moda_row';

/** The name of a converted split's row column. */
export function rowColumnOf(split: Pick<PreparedSplit, 'rowColumnName'>): string {
  return split.rowColumnName ?? ROW_COLUMN;
}

/** A Parquet file a split reads: an LFS object of the repo (in place) or a file in the cache folder. */
export type ParquetSource = { kind: 'blob'; oid: string } | { kind: 'cache'; file: string };

export interface PreparedColumn {
  name: string;
  /** DuckDB's name of the type, e.g. BIGINT, VARCHAR[]. */
  sqlType: string;
  kind: ColumnKind;
  feature: Feature;
  /** Columns holding repo paths of media files, returned as URLs. */
  media?: 'image' | 'audio';
  /** ClassLabel names, for integer label columns of class folders. */
  labels?: string[];
}

export interface PreparedSplit {
  split: string;
  format: DataFormat;
  sources: ParquetSource[];
  /** Rows in each source, in order: row_idx offsets of each file. */
  sourceRows: number[];
  numRows: number;
  /** Bytes of the repo files the split was read from. */
  originalBytes: number;
  /** Bytes of the Parquet files rows are read from. */
  parquetBytes: number;
  /**
   * Bytes of the split as an Arrow table in memory (arrow-memory-bytes.ts): /size's num_bytes_memory,
   * when the preparation knew it without a scan of the rows (fixed-width columns only).
   */
  memoryBytes?: number;
  /** What a scan after the preparation adds up to memoryBytes (measure-dataset-memory.ts); absent with memoryBytes. */
  memoryScan?: MemoryScan;
  columns: PreparedColumn[];
  /**
   * The files are a numbered conversion holding ROW_COLUMN (the row's index in the split), hidden
   * from users; without it rows are numbered by position (file_row_number plus the rows of earlier files).
   */
  rowColumn?: boolean;
  /** The row column's name when a user column took ROW_COLUMN (`__moda_row_<n>`). */
  rowColumnName?: string;
  /** Statistics of media columns, read from the files' headers at preparation. */
  mediaStatistics?: ColumnStatistics[];
  /**
   * Zip archives (repo paths) whose members the media column names as `<archive>/<member>`: those
   * are served by the archive-member route, not as repo files.
   */
  archives?: string[];
}

export interface MemoryScan {
  /** Bytes known at preparation: fixed-width columns, media files (not rounded). */
  knownBytes: number;
  /** Columns whose values are scanned. */
  columns: string[];
  /** How the split's files are read together (in-place files may differ in columns). */
  unionByName: boolean;
}

/** A split whose memoryBytes is known (prepared without a scan, or measured). */
export type MeasuredSplit = PreparedSplit & { memoryBytes: number };

/** A prepared commit with every split's memoryBytes known: what /info and /size describe. */
export type MeasuredDataset = Omit<PreparedDataset, 'configs'> & { configs: (Omit<PreparedConfig, 'splits'> & { splits: MeasuredSplit[] })[] };

export interface FailedSplit {
  config: string;
  split: string;
  code: string;
  message: string;
}

export interface PreparedConfig {
  config: string;
  splits: PreparedSplit[];
}

export interface PreparedDataset {
  version: number;
  commit: string;
  configs: PreparedConfig[];
  /** Splits whose files could not be read, with the stable code of the failure. */
  failed: FailedSplit[];
  /** A layout error that left no split at all (no data files, a malformed configs block). */
  error?: { code: string; message: string };
}
