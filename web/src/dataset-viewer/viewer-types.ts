// The Hugging Face dataset-viewer JSON shapes Moda serves under /datasets-server (types follow
// HF's documentation) and Moda's SQL answer, plus the route a rows query takes. No I/O here, so
// the pure parts of the viewer (and their tests) need neither a browser nor the API client.
export interface SplitName {
  dataset: string;
  config: string;
  split: string;
}

export interface SplitsResponse {
  splits: SplitName[];
  pending?: unknown[];
  failed?: unknown[];
}

/** A `datasets` feature: `{dtype, _type: 'Value'}`, `{_type: 'Image'}`, `{_type: 'ClassLabel', names}`, a Sequence, or a dict of features. */
export type FeatureType = { _type?: string; dtype?: string; names?: string[]; feature?: FeatureType; sampling_rate?: number } & Record<string, unknown>;

export interface Feature {
  feature_idx: number;
  name: string;
  type: FeatureType;
}

export interface RowEntry {
  row_idx: number;
  row: Record<string, unknown>;
  truncated_cells: string[];
}

/** /first-rows, /rows, /search and /filter all answer in this shape. */
export interface RowsResponse {
  features: Feature[];
  rows: RowEntry[];
  num_rows_total: number;
  num_rows_per_page?: number;
  partial: boolean;
}

export interface Histogram {
  hist: number[];
  bin_edges: number[];
}

export interface ColumnStatistics {
  column_name: string;
  /** `int`, `float`, `bool`, `class_label`, `string_label`, `string_text`, `list`, `image`, `audio`, … */
  column_type: string;
  column_statistics: {
    nan_count?: number;
    nan_proportion?: number;
    min?: number | null;
    max?: number | null;
    mean?: number | null;
    median?: number | null;
    std?: number | null;
    histogram?: Histogram | null;
    n_unique?: number;
    frequencies?: Record<string, number>;
    no_label_count?: number;
  };
}

export interface StatisticsResponse {
  num_examples: number;
  statistics: ColumnStatistics[];
  partial: boolean;
}

/** Moda's POST /datasets-server/sql answer; columns and rows are read leniently (see sqlTable). */
export interface SqlResponse {
  columns?: (string | { name: string; type?: string })[];
  rows?: (unknown[] | Record<string, unknown>)[];
  num_rows?: number;
  truncated?: boolean;
  partial?: boolean;
  elapsed_ms?: number;
}

export interface SplitRef {
  dataset: string;
  config: string;
  split: string;
  revision?: string | undefined;
}

/** Rows of one page: plain, searched (`query`) or filtered and ordered (`where`, `orderby`). */
export interface RowsQuery extends SplitRef {
  offset: number;
  length: number;
  query?: string;
  where?: string;
  orderby?: string;
}

export function queryString(values: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== '') search.set(key, String(value));
  return search.toString();
}

/** The route a rows query needs: /search when there is a query, /filter for where/orderby, else /rows. */
export function rowsPath(query: RowsQuery): string {
  const base = { dataset: query.dataset, config: query.config, split: query.split, revision: query.revision, offset: query.offset, length: query.length };
  if (query.query?.trim()) return `/datasets-server/search?${queryString({ ...base, query: query.query.trim() })}`;
  if (query.where?.trim() || query.orderby?.trim()) return `/datasets-server/filter?${queryString({ ...base, where: query.where?.trim(), orderby: query.orderby?.trim() })}`;
  return `/datasets-server/rows?${queryString(base)}`;
}

/** `orderby` for one column: the name quoted as an SQL identifier, then the direction. */
export function orderByColumn(column: string, descending: boolean): string {
  return `"${column.replace(/"/g, '""')}" ${descending ? 'DESC' : 'ASC'}`;
}
