// Reads the stored predictions of some rows from a predictions artifact without reading the file:
// the row index names the blocks that hold them and only those byte ranges are read, so a viewer
// page costs the same on a million-row split as on a ten-row one. Artifacts written before the index
// existed are scanned line by line up to the last row asked (rows are stored in row order).
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { BlobStore } from '../storage/blob-store.js';
import { decodePredictionIndex, predictionBlocks } from './prediction-row-index.js';
import type { JobArtifact, PredictionRow } from './store-predictions.js';

async function readBlock(blobs: BlobStore, oid: string, start: number, end: number): Promise<Buffer> {
  return buffer(await blobs.read(oid, { start, end }));
}

function* rowsOfBlock(bytes: Buffer): Generator<PredictionRow> {
  let from = 0;
  while (from < bytes.length) {
    const newline = bytes.indexOf(0x0a, from);
    const to = newline < 0 ? bytes.length : newline;
    if (to > from) yield JSON.parse(bytes.toString('utf8', from, to)) as PredictionRow;
    from = to + 1;
  }
}

async function scanRows(stream: Readable, wanted: ReadonlySet<number>): Promise<PredictionRow[]> {
  const last = Math.max(...wanted);
  const found: PredictionRow[] = [];
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (line === '') continue;
      const row = JSON.parse(line) as PredictionRow;
      if (wanted.has(row.row_idx)) found.push(row);
      if (row.row_idx >= last || found.length === wanted.size) break;
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  return found;
}

/** The stored rows among rowIndexes, in row order; rows the artifact does not hold are left out. */
export async function readPredictionRows(blobs: BlobStore, artifact: Pick<JobArtifact, 'oid' | 'size' | 'index'>, rowIndexes: readonly number[]): Promise<PredictionRow[]> {
  const wanted = new Set(rowIndexes);
  if (wanted.size === 0 || artifact.size === 0) return [];
  if (!artifact.index) return scanRows(await blobs.read(artifact.oid), wanted);
  const entries = decodePredictionIndex(await buffer(await blobs.read(artifact.index.oid)));
  const found: PredictionRow[] = [];
  for (const block of predictionBlocks(entries, artifact.size, [...wanted])) {
    for (const row of rowsOfBlock(await readBlock(blobs, artifact.oid, block.start, block.end))) if (wanted.has(row.row_idx)) found.push(row);
  }
  return found.sort((a, b) => a.row_idx - b.row_idx);
}
