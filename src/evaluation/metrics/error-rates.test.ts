import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { editDistance } from './edit-distance.js';
import { errorRates } from './error-rates.js';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) <= 1e-12, `${actual} ≠ ${expected}`);

void test("jiwer's README example: corpus WER is total edits over total reference words", () => {
  // jiwer.wer(["hello world", "i like monthy python"], ["hello duck", "i like python"]) = (1 + 1) / (2 + 4).
  const result = errorRates(['hello duck', 'i like python'], ['hello world', 'i like monthy python']);
  close(result.wer, 2 / 6);
  assert.equal(result.word_errors, 2);
  assert.equal(result.reference_words, 6);
});

void test('CER counts characters, inner spaces included; ends are stripped and whitespace runs ignored for WER', () => {
  // "world" → "duck" needs 5 edits (no shared letter can be aligned more cheaply): 5 / 11 characters.
  close(errorRates(['hello duck'], ['hello world']).cer, 5 / 11);
  const spaced = errorRates(['  hello   world '], ['hello world']);
  assert.equal(spaced.wer, 0);
  // jiwer's CER keeps inner spaces: two extra spaces are two insertions.
  close(spaced.cer, 2 / 11);
});

void test('Chinese OCR: CER with and without whitespace', () => {
  const result = errorRates(['今天天气很好'], ['今天 天气 好']);
  // Without spaces: 今天天气好 → 今天天气很好 is one insertion over 5 characters.
  close(result.cer_no_space, 1 / 5);
  // With spaces: delete one space, substitute the other with 很 → 2 over 7.
  close(result.cer, 2 / 7);
  // Words: [今天, 天气, 好] vs [今天天气很好]: one substitution, two deletions.
  close(result.wer, 1);
});

void test('code points, not UTF-16 units: an emoji or a rare CJK character is one character', () => {
  close(errorRates(['𠀀b'], ['𠀀a']).cer, 1 / 2);
});

void test('a failed prediction is empty text: every reference unit is a deletion, and it is counted', () => {
  const result = errorRates([null, 'abc'], ['abcd', 'abc']);
  assert.equal(result.failures, 1);
  close(result.cer, 4 / 7);
});

void test('bad input: all references empty, lengths differ, non-string values', () => {
  assert.throws(() => errorRates(['x'], ['  ']), { code: 'METRIC_INPUT_INVALID' });
  assert.throws(() => errorRates(['x'], ['x', 'y']), { code: 'METRIC_INPUT_INVALID' });
  assert.throws(() => errorRates([1 as unknown as string], ['x']), { code: 'METRIC_INPUT_INVALID' });
  assert.throws(() => errorRates(['x'], [null as unknown as string]), { code: 'METRIC_INPUT_INVALID' });
});

/** The textbook full-matrix Levenshtein, to check the two-row version against. */
function referenceDistance(a: readonly string[], b: readonly string[]): number {
  const table = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (__, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) table[i]![j] = Math.min(table[i - 1]![j]! + 1, table[i]![j - 1]! + 1, table[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return table[a.length]![b.length]!;
}

void test('editDistance agrees with the full dynamic programme and is symmetric', () => {
  const tokens = fc.array(fc.constantFrom('a', 'b', 'c', '中'), { maxLength: 25 });
  fc.assert(
    fc.property(tokens, tokens, (a, b) => {
      assert.equal(editDistance(a, b), referenceDistance(a, b));
      assert.equal(editDistance(a, b), editDistance(b, a));
    }),
  );
});
