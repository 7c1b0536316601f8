// Per-sample predictions of a run as a JSON-lines artifact of its job (the dataset viewer's row
// shape: one object per row with the same keys), kept in the blob store by its sha256 — the same
// store every replica reads, so the jobs API can serve it wherever the job ran. Beside it, written
// once here, a sparse row index (prediction-row-index.ts) lets the predictions route read a viewer
// page's rows with a few range reads instead of the whole file.
import { createHash } from 'node:crypto';
import type { BlobStore } from '../storage/blob-store.js';
import { encodePredictionIndex, PREDICTION_BLOCK_BYTES, type PredictionIndexEntry } from './prediction-row-index.js';

export interface PredictionRow {
  row_idx: number;
  reference: unknown;
  /** The value compared with the reference (top label, text); null when the sample failed. */
  prediction: string | null;
  /** The reference as the model's label, for classification; null when it maps to none. */
  reference_label?: string | null;
  correct?: boolean;
  error: string | null;
  error_message: string | null;
  /** The model's whole answer in the task's output schema. */
  output: unknown;
  ms: number;
}

export interface JobArtifact {
  name: string;
  oid: string;
  size: number;
  rows: number;
  content_type: string;
  /** The predictions' row index (a blob of its own); absent on artifacts written before it existed. */
  index?: { oid: string; size: number; entries: number; block_bytes: number };
}

export const PREDICTIONS_ARTIFACT = 'predictions.jsonl';

/** Bytes joined into one chunk: a million rows never become one string (V8 caps strings near 512 MiB). */
const CHUNK_BYTES = 1024 * 1024;

async function storeBlob(blobs: BlobStore, chunks: readonly Buffer[], oid: string, size: number, signal?: AbortSignal): Promise<void> {
  if (!(await blobs.stat(oid))) await blobs.write(chunks, { oid, size }, signal);
}

/** Stores the rows (in row_idx order, as the run sorts them) and their row index. */
export async function storePredictions(blobs: BlobStore, rows: readonly PredictionRow[], signal?: AbortSignal): Promise<JobArtifact> {
  const ordered = rows.every((row, index) => index === 0 || rows[index - 1]!.row_idx < row.row_idx) ? rows : [...rows].sort((a, b) => a.row_idx - b.row_idx);
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  const entries: PredictionIndexEntry[] = [];
  let pending: string[] = [];
  let pendingBytes = 0;
  let size = 0;
  let blockStart = -Infinity;
  const flush = () => {
    if (pending.length === 0) return;
    const chunk = Buffer.from(pending.join(''), 'utf8');
    hash.update(chunk);
    chunks.push(chunk);
    pending = [];
    pendingBytes = 0;
  };
  for (const row of ordered) {
    // A block starts at the first row that begins PREDICTION_BLOCK_BYTES or more after the last block's start.
    if (size - blockStart >= PREDICTION_BLOCK_BYTES) {
      entries.push({ rowIdx: row.row_idx, offset: size });
      blockStart = size;
    }
    const line = `${JSON.stringify(row)}\n`;
    const bytes = Buffer.byteLength(line, 'utf8');
    pending.push(line);
    pendingBytes += bytes;
    size += bytes;
    if (pendingBytes >= CHUNK_BYTES) flush();
  }
  flush();
  const oid = hash.digest('hex');
  await storeBlob(blobs, chunks, oid, size, signal);
  const index = encodePredictionIndex(entries);
  const indexOid = createHash('sha256').update(index).digest('hex');
  await storeBlob(blobs, [index], indexOid, index.length, signal);
  return {
    name: PREDICTIONS_ARTIFACT,
    oid,
    size,
    rows: ordered.length,
    content_type: 'application/x-ndjson',
    index: { oid: indexOid, size: index.length, entries: entries.length, block_bytes: PREDICTION_BLOCK_BYTES },
  };
}
