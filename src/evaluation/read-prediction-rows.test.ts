// The predictions of a million-row split stored with their row index, then read a few rows at a
// time the way the viewer asks for them: the answers are the rows stored, and each read touches
// only a few blocks of the file (counted at the blob store), never the whole of it.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { BlobStat, BlobStore } from '../storage/blob-store.js';
import { FsBlobStore } from '../storage/fs-blob-store.js';
import { PREDICTION_BLOCK_BYTES } from './prediction-row-index.js';
import { readPredictionRows } from './read-prediction-rows.js';
import { storePredictions, type JobArtifact, type PredictionRow } from './store-predictions.js';

/** Every even row_idx of a two-million-row split (a job with gaps: odd rows have no prediction). */
const ROWS = 1_000_000;

/** A blob store that counts the bytes each read asks for. */
class CountingStore implements BlobStore {
  reads: { oid: string; bytes: number; ranged: boolean }[] = [];
  constructor(private readonly inner: FsBlobStore) {}
  stat(oid: string): Promise<BlobStat | undefined> {
    return this.inner.stat(oid);
  }
  async read(oid: string, range?: { start: number; end: number }): Promise<Readable> {
    const size = (await this.inner.stat(oid))?.size ?? 0;
    this.reads.push({ oid, bytes: range ? range.end - range.start + 1 : size, ranged: range !== undefined });
    return this.inner.read(oid, range);
  }
  write(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, expected: BlobStat, signal?: AbortSignal): Promise<BlobStat> {
    return this.inner.write(source, expected, signal);
  }
  cleanup(): Promise<void> {
    return this.inner.cleanup();
  }
}

/** Row i of the split, with outputs of varying length so blocks hold different numbers of rows. */
function rowOf(position: number): PredictionRow {
  const failed = position % 97 === 0;
  return {
    row_idx: position * 2,
    reference: `ref ${position}`,
    prediction: failed ? null : `text ${'x'.repeat(position % 13)}${position}`,
    error: failed ? 'TASK_INPUT_INVALID' : null,
    error_message: failed ? 'empty' : null,
    output: failed ? null : { text: position % 7 === 0 ? '长'.repeat(position % 50) : 'ok' },
    ms: position % 1000,
  };
}

let root: string;
let store: CountingStore;
let artifact: JobArtifact;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'moda-predictions-'));
  store = new CountingStore(new FsBlobStore(root, { directIo: false }));
  artifact = await storePredictions(store, Array.from({ length: ROWS }, (_, position) => rowOf(position)));
});

after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function readCounted(rows: number[]): Promise<{ found: PredictionRow[]; bytes: number; wholeFile: boolean }> {
  store.reads = [];
  const found = await readPredictionRows(store, artifact, rows);
  return { found, bytes: store.reads.reduce((sum, read) => sum + read.bytes, 0), wholeFile: store.reads.some((read) => read.oid === artifact.oid && !read.ranged) };
}

void test('a million rows are stored with a sparse index a small fraction of the file', () => {
  assert.equal(artifact.rows, ROWS);
  assert.ok(artifact.index, 'the artifact names its index');
  assert.ok(artifact.size > 50 * 1024 * 1024, `a file worth indexing: ${artifact.size} bytes`);
  assert.ok(artifact.index.entries >= Math.floor(artifact.size / (PREDICTION_BLOCK_BYTES + 1024)));
  assert.equal(artifact.index.size, artifact.index.entries * 16);
  assert.ok(artifact.index.size * 1000 < artifact.size);
});

void test('a viewer page anywhere in the split reads its rows from a block or two, not the file', async () => {
  for (const first of [0, 2 * 1234, 2 * 500_000, 2 * (ROWS - 25)]) {
    const page = Array.from({ length: 25 }, (_, index) => first + 2 * index);
    const { found, bytes, wholeFile } = await readCounted(page);
    assert.deepEqual(found, page.map((rowIdx) => rowOf(rowIdx / 2)));
    assert.equal(wholeFile, false);
    assert.ok(bytes < artifact.index!.size + 3 * (PREDICTION_BLOCK_BYTES + 1024), `page at ${first}: ${bytes} bytes read`);
  }
});

void test('scattered rows, rows without a prediction and rows past the end', async () => {
  // A pseudo-random spread over the split (a fixed LCG: the same rows on every machine).
  let seed = 12345;
  const scattered = Array.from({ length: 90 }, () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return 2 * (seed % ROWS);
  });
  const asked = [...scattered, 1, 3, 2 * ROWS - 1, 2 * ROWS, 2 * ROWS + 2, 9_999_999_999, 0];
  const { found, bytes, wholeFile } = await readCounted(asked);
  const expected = [...new Set([...scattered, 0])].sort((a, b) => a - b).map((rowIdx) => rowOf(rowIdx / 2));
  assert.deepEqual(found, expected);
  assert.equal(wholeFile, false);
  // At most one block per row asked.
  assert.ok(bytes <= artifact.index!.size + asked.length * (PREDICTION_BLOCK_BYTES + 1024), `${bytes} bytes read`);
});

void test('an artifact written before the index existed is still answered (by a scan in row order)', async () => {
  const legacy = { oid: artifact.oid, size: artifact.size };
  const found = await readPredictionRows(store, legacy, [10, 4, 7]);
  assert.deepEqual(found, [rowOf(2), rowOf(5)]);
  const none = await readPredictionRows(store, legacy, []);
  assert.deepEqual(none, []);
});
