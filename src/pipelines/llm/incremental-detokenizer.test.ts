// The incremental detokenizer against llama.cpp's own detokenisation of the whole sequence, on the
// tiny seeded GGUF (byte-fallback vocabulary: CJK characters and emoji are 3 and 4 byte tokens).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { getLlama, type LlamaModel, type Token } from 'node-llama-cpp';
import { tinyLlamaGguf, tinyVocabulary } from '../../../test/fixtures/tiny-gguf.js';
import { IncrementalDetokenizer } from './incremental-detokenizer.js';

let dir: string;
let model: LlamaModel;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moda-detok-'));
  const path = join(dir, 'tiny.gguf');
  await writeFile(path, tinyLlamaGguf());
  const llama = await getLlama({ gpu: false, build: 'never' });
  model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
});

after(async () => {
  await model.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** Each token's piece as the detokenizer gives it, then what the flush adds. */
function pieces(tokens: readonly Token[]): { pieces: string[]; flushed: string } {
  const detokenizer = new IncrementalDetokenizer(model);
  return { pieces: tokens.map((token) => detokenizer.push(token)), flushed: detokenizer.flush() };
}

void test('CJK and emoji split over byte tokens come out whole characters only, joined exactly as the whole sequence', () => {
  const text = 'The sea 海は広い，你好 🙂🌊 and the wind 風';
  const tokens = model.tokenize(text);
  assert.ok(tokens.length > [...text].length, 'the multi-byte characters take several tokens each');
  const result = pieces(tokens);
  assert.equal(result.pieces.join('') + result.flushed, model.detokenize(tokens));
  assert.equal(result.pieces.join(''), text);
  assert.ok(result.pieces.every((piece) => !piece.includes('\uFFFD')), 'no piece holds part of a character');
  // A character's last byte token carries all of it; the tokens before it add nothing.
  const wave = result.pieces.findIndex((piece) => piece.includes('🌊'));
  assert.deepEqual(result.pieces.slice(wave - 3, wave), ['', '', '']);
  assert.equal(result.flushed, '');
});

void test('a character whose bytes never complete is held, then flushed as the whole sequence writes it', () => {
  const tokens = model.tokenize('a🙂').slice(0, -1);
  const result = pieces(tokens);
  assert.equal(result.pieces.join('') + result.flushed, model.detokenize(tokens));
  assert.ok(!result.pieces.join('').includes('\uFFFD'));
  assert.ok(result.flushed.includes('\uFFFD'));
});

void test('random token sequences (byte tokens, words, control tokens) join to the whole sequence, leading spaces included', () => {
  let state = 7;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const vocabulary = tinyVocabulary().tokens.length;
  for (let round = 0; round < 300; round++) {
    const length = 1 + Math.floor(random() * 40);
    // Mostly byte tokens (5..260), so sequences break characters in every way; the rest anything.
    const tokens = Array.from({ length }, () => (random() < 0.6 ? 5 + Math.floor(random() * 256) : Math.floor(random() * vocabulary)) as Token);
    const result = pieces(tokens);
    assert.equal(result.pieces.join('') + result.flushed, model.detokenize(tokens), `tokens ${tokens.join(',')}`);
  }
});
