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
  return new ModaError('MODEL_FILE_INVALID', `not a consistent fastText model: ${reason}`);
}

/** Rows and columns of a matrix as the file states them. */
interface MatrixShape {
  rows: number;
  columns: number;
}

function readDenseMatrix(cursor: Cursor, what: string): MatrixShape {
  const rows = cursor.int64(`${what} rows`);
  const columns = cursor.int64(`${what} columns`);
  if (rows < 0 || columns < 0) throw invalid(`${what} is ${rows} × ${columns}`);
  cursor.take(rows * columns * 4, what);
  return { rows, columns };
}

/** A product quantizer for vectors of `dim` values; its sub-space sizes must describe that dimension. */
function readProductQuantizer(cursor: Cursor, what: string, expectedDim: number): number {
  const dim = cursor.int32(`${what} dim`);
  const subspaces = cursor.int32(`${what} sub-space count`);
  const subDim = cursor.int32(`${what} sub-space size`);
  const lastSubDim = cursor.int32(`${what} last sub-space size`);
  if (dim < 1 || dim > MAX_DIM) throw invalid(`${what} has dimension ${dim}`);
  if (dim !== expectedDim) throw invalid(`${what} has dimension ${dim} for vectors of ${expectedDim}`);
  // fastText: nsubq = ceil(dim / dsub), lastdsub = dim % dsub or dsub.
  if (subDim < 1 || subDim > dim || subspaces !== Math.ceil(dim / subDim) || lastSubDim !== (dim % subDim || subDim)) {
    throw invalid(`${what} splits ${dim} values into ${subspaces} sub-spaces of ${subDim} (last ${lastSubDim})`);
  }
  cursor.take(dim * CENTROIDS * 4, `${what} centroids`);
  return subspaces;
}

function readQuantMatrix(cursor: Cursor, what: string): MatrixShape {
  const normalized = cursor.byte(what) !== 0;
  const rows = cursor.int64(`${what} rows`);
  const columns = cursor.int64(`${what} columns`);
  const codeBytes = cursor.int32(`${what} code size`);
  if (rows < 0 || columns < 1 || columns > MAX_DIM) throw invalid(`${what} is ${rows} × ${columns}`);
  cursor.take(codeBytes, `${what} codes`);
  const subspaces = readProductQuantizer(cursor, `${what} quantizer`, columns);
  // One code byte per row and sub-space (fastText's codesize_ = m * nsubq).
  if (codeBytes !== rows * subspaces) throw invalid(`${what} has ${codeBytes} code bytes for ${rows} rows of ${subspaces} sub-spaces`);
  if (normalized) {
    cursor.take(rows, `${what} norm codes`);
    readProductQuantizer(cursor, `${what} norm quantizer`, 1);
  }
  return { rows, columns };
}

function checkShape(shape: MatrixShape, what: string, rows: number, columns: number): void {
  if (shape.rows !== rows || shape.columns !== columns) throw invalid(`${what} is ${shape.rows} × ${shape.columns}, the header implies ${rows} × ${columns}`);
}

/**
 * Checks the layout of a fastText model file and that its parts agree with each other (matrix
 * shapes with the dimension, dictionary and buckets; quantizer sizes with their matrices; entry
 * kinds with the word and label counts); throws MODEL_FILE_INVALID naming what is wrong.
 */
export function checkFastTextModel(bytes: Buffer): FastTextModelInfo {
  const cursor = new Cursor(bytes);
  if (bytes.length < 8 || cursor.int32('the header') !== FASTTEXT_MAGIC) throw invalid('it does not start with the fastText magic number');
  const version = cursor.int32('the header');
  if (!SUPPORTED_VERSIONS.includes(version)) throw invalid(`format version ${version} is not one of ${SUPPORTED_VERSIONS.join(', ')}`);
  // Args: dim ws epoch minCount neg wordNgrams loss model bucket minn maxn lrUpdateRate (int32), t (double).
  const [dim = 0, , , , , wordNgrams = 0, loss = 0, model = 0, bucket = 0, minn = 0, maxn = 0] = Array.from({ length: 12 }, () => cursor.int32('the training arguments'));
  cursor.take(8, 'the training arguments');
  if (dim < 1 || dim > MAX_DIM) throw invalid(`its dimension is ${dim}`);
  if (model < 1 || model > 3) throw invalid(`its model kind is ${model}`);
  if (loss < 1 || loss > 4) throw invalid(`its loss kind is ${loss}`);
  if (bucket < 0 || wordNgrams < 0 || minn < 0 || maxn < 0 || (maxn > 0 && minn > maxn)) throw invalid(`its n-gram arguments (bucket ${bucket}, word n-grams ${wordNgrams}, minn ${minn}, maxn ${maxn}) are inconsistent`);

  const size = cursor.int32('the dictionary');
  const words = cursor.int32('the dictionary');
  const labels = cursor.int32('the dictionary');
  const tokens = cursor.int64('the dictionary token count');
  const pruned = cursor.int64('the dictionary prune index size');
  if (size < 0 || words < 0 || labels < 0 || words + labels !== size) throw invalid(`its dictionary counts ${size} entries as ${words} words and ${labels} labels`);
  if (tokens < 0) throw invalid(`its dictionary counts ${tokens} tokens`);
  let wordEntries = 0;
  for (let entry = 0; entry < size; entry++) {
    cursor.skipString('the dictionary');
    cursor.take(8, 'the dictionary');
    const kind = cursor.byte('the dictionary');
    if (kind > 1) throw invalid(`dictionary entry ${entry} has kind ${kind}`);
    if (kind === 0) wordEntries++;
  }
  if (wordEntries !== words) throw invalid(`its dictionary holds ${wordEntries} words, its header says ${words}`);
  if (pruned > 0) cursor.take(pruned * 8, 'the dictionary prune index');

  // Input rows: one per word, then one per n-gram bucket (only the kept ones once pruned).
  const inputRows = words + (pruned >= 0 ? pruned : bucket);
  const outputRows = model === MODEL_SUPERVISED ? labels : words;
  const quantized = cursor.byte('the input matrix') !== 0;
  checkShape(quantized ? readQuantMatrix(cursor, 'the input matrix') : readDenseMatrix(cursor, 'the input matrix'), 'the input matrix', inputRows, dim);
  const quantizedOutput = cursor.byte('the output matrix') !== 0;
  if (quantizedOutput && !quantized) throw invalid('its output matrix is quantized but its input matrix is not');
  checkShape(quantizedOutput ? readQuantMatrix(cursor, 'the output matrix') : readDenseMatrix(cursor, 'the output matrix'), 'the output matrix', outputRows, dim);
  if (cursor.position !== bytes.length) throw invalid(`${bytes.length - cursor.position} bytes follow the output matrix`);
  return { dim, model, words, labels, quantized };
}

export function isSupervised(info: FastTextModelInfo): boolean {
  return info.model === MODEL_SUPERVISED && info.labels > 0;
}
