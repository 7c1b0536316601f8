// The backtracking check refuses nested quantifiers and repeated alternatives and passes the
// pre-tokenizer patterns real tokenizers ship.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { regexDanger } from './check-regex-safety.js';

const REAL_PATTERNS = [
  // GPT-2 / RoBERTa ByteLevel
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
  // Llama 3
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  // Qwen 2
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  // GPT-4o style with optional groups
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}",
  '\\s+',
  '[\\u4e00-\\u9fff]',
  ' {2,}',
];

void test('real tokenizer patterns pass', () => {
  for (const pattern of REAL_PATTERNS) assert.equal(regexDanger(pattern), undefined, pattern);
});

void test('nested quantifiers and repeated alternatives are refused', () => {
  for (const pattern of ['(a+)+$', '(a*)*b', '(?:\\s+)+x', '((ab)+c)*', '(a{2,})+', '(a|aa)+$', '(?:x|y)*z', '(\\w+\\s?)*$', '([a-z]+)*$']) {
    assert.ok(regexDanger(pattern), pattern);
  }
  assert.equal(regexDanger('(a+)?b'), undefined, 'an optional group does not repeat');
  assert.equal(regexDanger('(ab){3}'), undefined, 'a repeated group of plain characters cannot backtrack');
  assert.ok(regexDanger('(a+'), 'unbalanced');
});

void test('property: a repeated group around any repeated atom is refused', () => {
  const atom = fc.constantFrom('a', '\\s', '[a-z]', '\\p{L}', '.');
  const repeat = fc.constantFrom('*', '+', '{2,}', '{1,5}', '*?', '+?');
  fc.assert(
    fc.property(atom, repeat, repeat, fc.constantFrom('(', '(?:'), (inner, innerRepeat, outerRepeat, open) => {
      assert.ok(regexDanger(`${open}${inner}${innerRepeat})${outerRepeat}`));
    }),
  );
});
