// The sparse row index of a predictions file: one entry (first row_idx, byte offset) per block of
// about PREDICTION_BLOCK_BYTES of lines, in row order, so a reader finds the block holding any row
// by binary search and reads just that byte range. Sparse rather than one entry per row: a
// million-row file's index is a few hundred KiB at most (1/4096 of the file), read whole per request.
import { ModaError } from '../errors/moda-error.js';

/** Bytes of lines per block: a row read touches at most this much plus the one row that crosses it. */
export const PREDICTION_BLOCK_BYTES = 64 * 1024;

export interface PredictionIndexEntry {
  rowIdx: number;
  offset: number;
}

/** A byte range [start, end] inclusive of the file and the wanted rows inside it. */
export interface PredictionBlock {
  start: number;
  end: number;
  rows: number[];
}

/** Little-endian float64 pairs: integers up to 2^53 exactly, which row indexes and byte offsets stay under. */
export function encodePredictionIndex(entries: readonly PredictionIndexEntry[]): Buffer {
  const buffer = Buffer.alloc(entries.length * 16);
  entries.forEach((entry, index) => {
    buffer.writeDoubleLE(entry.rowIdx, index * 16);
    buffer.writeDoubleLE(entry.offset, index * 16 + 8);
  });
  return buffer;
}

export function decodePredictionIndex(buffer: Buffer): PredictionIndexEntry[] {
  if (buffer.length % 16 !== 0) throw new ModaError('INTERNAL', `a predictions index of ${buffer.length} bytes is not whole (row, offset) pairs`);
  return Array.from({ length: buffer.length / 16 }, (_, index) => ({ rowIdx: buffer.readDoubleLE(index * 16), offset: buffer.readDoubleLE(index * 16 + 8) }));
}

/** The last entry whose first row is at or before rowIdx, or -1. */
function blockOf(entries: readonly PredictionIndexEntry[], rowIdx: number): number {
  let low = 0;
  let high = entries.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (entries[middle]!.rowIdx <= rowIdx) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}

/** The blocks of a file of fileSize bytes that may hold the wanted rows, each once, in file order. */
export function predictionBlocks(entries: readonly PredictionIndexEntry[], fileSize: number, rowIndexes: readonly number[]): PredictionBlock[] {
  const blocks = new Map<number, PredictionBlock>();
  for (const rowIdx of rowIndexes) {
    const index = blockOf(entries, rowIdx);
    if (index < 0) continue;
    const start = entries[index]!.offset;
    const end = (index + 1 < entries.length ? entries[index + 1]!.offset : fileSize) - 1;
    if (end < start) continue;
    const block = blocks.get(index) ?? { start, end, rows: [] };
    block.rows.push(rowIdx);
    blocks.set(index, block);
  }
  return [...blocks.values()].sort((a, b) => a.start - b.start);
}
