// How the viewer shows a value: which kind of cell a feature and its value make (image, audio,
// class label, number, text, nested JSON), long text folded, histogram bars scaled, and Moda's SQL
// answer read into one table shape. Pure functions, so they are tested without a browser.
import type { FeatureType, Histogram, SqlResponse } from './viewer-types.js';

export type Cell =
  | { kind: 'null' }
  | { kind: 'image'; src: string; width?: number; height?: number }
  | { kind: 'audio'; sources: { src: string; type?: string }[] }
  | { kind: 'label'; index: number; name: string | undefined }
  | { kind: 'number'; text: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'text'; text: string }
  | { kind: 'json'; text: string };

/** Where to find media: the HF shape `{src}`, a list of those (audio), or a bare URL string. */
function mediaSource(value: unknown): { src: string; type?: string; width?: number; height?: number } | undefined {
  if (typeof value === 'string') return /^(https?:\/\/|\/)/.test(value) ? { src: value } : undefined;
  if (Array.isArray(value)) return mediaSource(value[0]);
  if (value && typeof value === 'object' && typeof (value as { src?: unknown }).src === 'string') {
    const { src, type, width, height } = value as { src: string; type?: unknown; width?: unknown; height?: unknown };
    return { src, ...(typeof type === 'string' && { type }), ...(typeof width === 'number' && { width }), ...(typeof height === 'number' && { height }) };
  }
  return undefined;
}

/** Only http(s) and same-origin paths become media elements; anything else is shown as text. */
function safeUrl(src: string): boolean {
  return /^https?:\/\//i.test(src) || (src.startsWith('/') && !src.startsWith('//'));
}

/** Thousands separators without Intl (see formatDate in async-state.tsx for why). */
export function formatCount(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-4 || magnitude >= 1e9)) return value.toExponential(3);
  return String(Number(value.toPrecision(6)));
}

export function cellOf(type: FeatureType | undefined, value: unknown): Cell {
  if (value === null || value === undefined) return { kind: 'null' };
  const kind = type?._type;
  if (kind === 'Image' || kind === 'Audio') {
    const media = mediaSource(value);
    if (media && safeUrl(media.src)) {
      if (kind === 'Image') return { kind: 'image', src: media.src, ...(media.width !== undefined && { width: media.width }), ...(media.height !== undefined && { height: media.height }) };
      const list = Array.isArray(value) ? value.map(mediaSource).filter((entry): entry is NonNullable<typeof entry> => !!entry && safeUrl(entry.src)) : [media];
      return { kind: 'audio', sources: list.map((entry) => ({ src: entry.src, ...(entry.type && { type: entry.type }) })) };
    }
  }
  if (kind === 'ClassLabel' && typeof value === 'number') return { kind: 'label', index: value, name: type?.names?.[value] };
  if (typeof value === 'number') return { kind: 'number', text: formatNumber(value) };
  if (typeof value === 'boolean') return { kind: 'bool', value };
  if (typeof value === 'string') return { kind: 'text', text: value };
  return { kind: 'json', text: JSON.stringify(value) };
}

/** Text longer than `limit` characters (or `maxLines` lines) is shown cut with a "more" toggle. */
export function foldText(text: string, limit = 200, maxLines = 4): { head: string; folded: boolean } {
  const lines = text.split('\n');
  let head = lines.length > maxLines ? lines.slice(0, maxLines).join('\n') : text;
  if ([...head].length > limit) head = [...head].slice(0, limit).join('');
  const folded = head.length < text.length;
  return { head: folded ? `${head.trimEnd()}…` : text, folded };
}

/** A short description of a feature type for the column header: `string`, `int64`, `Image`, `ClassLabel(2)`, `list<string>`. */
export function typeLabel(type: FeatureType | undefined): string {
  if (!type) return '';
  if (type._type === 'Value') return type.dtype ?? 'value';
  if (type._type === 'ClassLabel') return `ClassLabel(${type.names?.length ?? '?'})`;
  if (type._type === 'Sequence' || type._type === 'List') return `list<${typeLabel(type.feature)}>`;
  if (type._type) return type._type;
  return 'dict';
}

/** Bar heights 0–1 for a histogram (the largest bin is 1), with each bin's range for its tooltip. */
export function histogramBars(histogram: Histogram): { height: number; count: number; from: number; to: number }[] {
  const top = Math.max(1, ...histogram.hist);
  return histogram.hist.map((count, index) => ({ height: count / top, count, from: histogram.bin_edges[index] ?? NaN, to: histogram.bin_edges[index + 1] ?? histogram.bin_edges[index] ?? NaN }));
}

/** Frequencies as bars, most frequent first, at most `limit` of them (the rest summed as "other"). */
export function frequencyBars(frequencies: Record<string, number>, limit = 8): { label: string; count: number; share: number; other?: true }[] {
  const entries = Object.entries(frequencies).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const total = entries.reduce((sum, [, count]) => sum + count, 0) || 1;
  const shown = entries.slice(0, limit).map(([label, count]) => ({ label, count, share: count / total }));
  const rest = entries.slice(limit).reduce((sum, [, count]) => sum + count, 0);
  return rest > 0 ? [...shown, { label: '', count: rest, share: rest / total, other: true }] : shown;
}

/** Moda's SQL answer as column names and rows of cells, whether rows come as arrays or objects. */
export function sqlTable(response: SqlResponse): { columns: string[]; rows: unknown[][] } {
  const rows = response.rows ?? [];
  let columns = (response.columns ?? []).map((column) => (typeof column === 'string' ? column : column.name));
  const first = rows[0];
  if (columns.length === 0 && first && !Array.isArray(first)) columns = Object.keys(first);
  return { columns, rows: rows.map((row) => (Array.isArray(row) ? row : columns.map((column) => row[column]))) };
}

/** The page numbers to offer around `current` (0-based): first, last and two either side, with gaps as null. */
export function pageWindow(current: number, pages: number): (number | null)[] {
  const wanted = new Set([0, pages - 1, current - 2, current - 1, current, current + 1, current + 2].filter((page) => page >= 0 && page < pages));
  const sorted = [...wanted].sort((a, b) => a - b);
  const out: (number | null)[] = [];
  sorted.forEach((page, index) => {
    if (index > 0 && page - sorted[index - 1]! > 1) out.push(null);
    out.push(page);
  });
  return out;
}
