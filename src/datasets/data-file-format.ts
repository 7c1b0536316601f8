// The data format of a repo file from its name: `.csv.gz`, `.jsonl.zst`, `part-0.parquet` and media
// files for the folder builders. Compression is read by DuckDB from the extension.

import type { DataFormat } from './dataset-layout.js';

export type FileKind = Exclude<DataFormat, 'imagefolder' | 'audiofolder'> | 'image' | 'audio';

const COMPRESSED = /\.(gz|zst)$/i;

const KINDS: Record<string, FileKind> = {
  csv: 'csv',
  tsv: 'tsv',
  json: 'json',
  jsonl: 'json',
  ndjson: 'json',
  parquet: 'parquet',
  zip: 'zip',
  png: 'image',
  jpg: 'image',
  jpeg: 'image',
  gif: 'image',
  webp: 'image',
  bmp: 'image',
  wav: 'audio',
  mp3: 'audio',
  flac: 'audio',
  ogg: 'audio',
};

/** The kind of a data file, or undefined for anything the viewer does not read. */
export function fileKindOf(path: string): FileKind | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  const bare = name.replace(COMPRESSED, '');
  const dot = bare.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const kind = KINDS[bare.slice(dot + 1)];
  // A compressed Parquet or image file is not a thing; only text is read through gzip/zstd.
  if (kind && bare !== name && (kind === 'parquet' || kind === 'image' || kind === 'audio' || kind === 'zip')) return undefined;
  return kind;
}

export function isMetadataFile(path: string): boolean {
  return /(^|\/)metadata\.(jsonl|csv)$/i.test(path);
}
