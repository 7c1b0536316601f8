// Rows in the Hugging Face viewer's shape: `features` with feature_idx, `rows` with row_idx and
// truncated_cells, media paths as URLs of the repo files at the commit, long text cells cut.
import type { PreparedColumn, PreparedSplit } from './prepared-dataset.js';

export interface ViewerFeature {
  feature_idx: number;
  name: string;
  type: Record<string, unknown>;
}

export interface ViewerRow {
  row_idx: number;
  row: Record<string, unknown>;
  truncated_cells: string[];
}

export interface RowsPage {
  features: ViewerFeature[];
  rows: ViewerRow[];
  num_rows_total: number;
  num_rows_per_page: number;
  partial: boolean;
}

/** A text cell longer than this is cut and named in `truncated_cells` (a row page stays small). */
export const MAX_CELL_CHARS = 50_000;

export function featuresOf(split: PreparedSplit): ViewerFeature[] {
  return split.columns.map((column, index) => ({ feature_idx: index, name: column.name, type: column.feature }));
}

/** Turns repo paths into file URLs; `fileUrl` knows the repo and commit. */
export function viewerRow(columns: PreparedColumn[], row: Record<string, unknown>, rowIdx: number, fileUrl: (path: string) => string): ViewerRow {
  const truncated: string[] = [];
  const out: Record<string, unknown> = {};
  for (const column of columns) {
    const value = row[column.name] ?? null;
    if (column.media && typeof value === 'string') {
      out[column.name] = column.media === 'image' ? { src: fileUrl(value) } : [{ src: fileUrl(value), type: audioType(value) }];
    } else if (typeof value === 'string' && value.length > MAX_CELL_CHARS) {
      out[column.name] = value.slice(0, MAX_CELL_CHARS);
      truncated.push(column.name);
    } else out[column.name] = value;
  }
  return { row_idx: rowIdx, row: out, truncated_cells: truncated };
}

function audioType(path: string): string {
  const extension = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return extension === 'mp3' ? 'audio/mpeg' : `audio/${extension}`;
}
