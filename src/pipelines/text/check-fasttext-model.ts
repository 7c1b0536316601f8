// Walks a fastText model file (.bin or quantised .ftz) through its whole layout before the wasm
// runtime sees it. fastText's own loader trusts every size it reads: measured here, a truncated
// lid.176.ftz either grows the wasm heap to 1 GiB and aborts after 20 s, or loads and answers
// nonsense. Every byte must be accounted for, or the file is refused.
import { ModaError } from '../../errors/moda-error.js';

const FASTTEXT_MAGIC = 793712314;
const SUPPORTED_VERSIONS = [11, 12];
const MODEL_SUPERVISED = 3;
/** Centroids per product-quantizer sub-space (fastText's `ksub_`). */
const CENTROIDS = 256;
const MAX_DIM = 4096;

export interface FastTextModelInfo {
  dim: number;
  /** 1 cbow, 2 skipgram, 3 supervised. */
  model: number;
  words: number;
  labels: number;
  quantized: boolean;
}

class Cursor {
  position = 0;
  constructor(private readonly bytes: Buffer) {}

  take(count: number, what: string): number {
    if (!Number.isSafeInteger(count) || count < 0 || this.position + count > this.bytes.length) throw invalid(`the file ends inside ${what}`);
    const at = this.position;
    this.position += count;
    return at;
  }
  int32(what: string): number {
    return this.bytes.readInt32LE(this.take(4, what));
  }
  int64(what: string): number {
    const value = this.bytes.readBigInt64LE(this.take(8, what));
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -1n) throw invalid(`${what} is ${value}`);
    return Number(value);
  }
  byte(what: string): number {
    return this.bytes.readUInt8(this.take(1, what));
  }
  /** A NUL-terminated string, as the dictionary stores words. */
  skipString(what: string): void {
    const end = this.bytes.indexOf(0, this.position);
    if (end < 0) throw invalid(`the file ends inside ${what}`);
    this.position = end + 1;
  }
}

function invalid(reason: string): ModaError {
  return new ModaError('MODEL_LOAD_FAILED', `not a complete fastText model: ${reason}`);
}

function skipDenseMatrix(cursor: Cursor, what: string): void {
  const rows = cursor.int64(`${what} rows`);
  const columns = cursor.int64(`${what} columns`);
  cursor.take(rows * columns * 4, what);
}

function skipProductQuantizer(cursor: Cursor, what: string): void {
  const dim = cursor.int32(`${what} dim`);
  cursor.take(12, what);
  if (dim < 1 || dim > MAX_DIM) throw invalid(`${what} has dimension ${dim}`);
  cursor.take(dim * CENTROIDS * 4, `${what} centroids`);
}

function skipQuantMatrix(cursor: Cursor, what: string): void {
  const normalized = cursor.byte(what) !== 0;
  const rows = cursor.int64(`${what} rows`);
  cursor.int64(`${what} columns`);
  const codeBytes = cursor.int32(`${what} code size`);
  cursor.take(codeBytes, `${what} codes`);
  skipProductQuantizer(cursor, `${what} quantizer`);
  if (normalized) {
    cursor.take(rows, `${what} norm codes`);
    skipProductQuantizer(cursor, `${what} norm quantizer`);
  }
}

/** Checks the layout of a fastText model file; throws MODEL_LOAD_FAILED naming what is wrong. */
export function checkFastTextModel(bytes: Buffer): FastTextModelInfo {
  const cursor = new Cursor(bytes);
  if (bytes.length < 8 || cursor.int32('the header') !== FASTTEXT_MAGIC) throw invalid('it does not start with the fastText magic number');
  const version = cursor.int32('the header');
  if (!SUPPORTED_VERSIONS.includes(version)) throw invalid(`format version ${version} is not one of ${SUPPORTED_VERSIONS.join(', ')}`);
  // Args: dim ws epoch minCount neg wordNgrams loss model bucket minn maxn lrUpdateRate (int32), t (double).
  const args = Array.from({ length: 12 }, () => cursor.int32('the training arguments'));
  cursor.take(8, 'the training arguments');
  const dim = args[0]!;
  const model = args[7]!;
  if (dim < 1 || dim > MAX_DIM) throw invalid(`its dimension is ${dim}`);
  if (model < 1 || model > 3) throw invalid(`its model kind is ${model}`);

  const size = cursor.int32('the dictionary');
  const words = cursor.int32('the dictionary');
  const labels = cursor.int32('the dictionary');
  cursor.int64('the dictionary token count');
  const pruned = cursor.int64('the dictionary prune index size');
  if (size < 0 || words < 0 || labels < 0 || words + labels !== size) throw invalid(`its dictionary counts ${size} entries as ${words} words and ${labels} labels`);
  for (let entry = 0; entry < size; entry++) {
    cursor.skipString('the dictionary');
    cursor.take(9, 'the dictionary');
  }
  if (pruned > 0) cursor.take(pruned * 8, 'the dictionary prune index');

  const quantized = cursor.byte('the input matrix') !== 0;
  if (quantized) skipQuantMatrix(cursor, 'the input matrix');
  else skipDenseMatrix(cursor, 'the input matrix');
  const quantizedOutput = cursor.byte('the output matrix') !== 0;
  if (quantized && quantizedOutput) skipQuantMatrix(cursor, 'the output matrix');
  else skipDenseMatrix(cursor, 'the output matrix');
  if (cursor.position !== bytes.length) throw invalid(`${bytes.length - cursor.position} bytes follow the output matrix`);
  return { dim, model, words, labels, quantized };
}

export function isSupervised(info: FastTextModelInfo): boolean {
  return info.model === MODEL_SUPERVISED && info.labels > 0;
}
