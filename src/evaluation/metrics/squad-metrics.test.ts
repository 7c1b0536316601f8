import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerF1, normalizeAnswer, questionAnsweringMetrics } from './squad-metrics.js';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) <= 1e-12, `${actual} ≠ ${expected}`);

void test('SQuAD v1.1 normalisation: lower case, ASCII punctuation, articles, whitespace', () => {
  assert.equal(normalizeAnswer('The  Eiffel Tower!'), 'eiffel tower');
  assert.equal(normalizeAnswer('An apple, a day'), 'apple day');
  // Articles go only as whole words, with Python's Unicode word boundaries.
  assert.equal(normalizeAnswer('theory'), 'theory');
  assert.equal(normalizeAnswer('éthe'), 'éthe');
  // Full-width punctuation is not in string.punctuation and stays.
  assert.equal(normalizeAnswer('两万公里。'), '两万公里。');
});

void test('token F1 by hand: [big, red, dog] vs [red, dog] → P 2/3, R 1, F1 0.8', () => {
  close(answerF1('a big red dog', 'the red dog'), 0.8);
  assert.equal(answerF1('cat', 'dog'), 0);
});

void test('each question takes its best reference answer; averages over questions; failures are empty answers', () => {
  const result = questionAnsweringMetrics(['Denver Broncos', 'the red dog', null], [['Denver Broncos', 'Broncos'], 'a big red dog', 'x']);
  close(result.exact_match, 1 / 3);
  // F1: 1, then [red, dog] vs [big, red, dog] → 0.8, then 0.
  close(result.f1, (1 + 0.8 + 0) / 3);
  assert.equal(result.failures, 1);
});

void test('bad input: empty answer lists, non-string answers', () => {
  assert.throws(() => questionAnsweringMetrics(['a'], [[]]), { code: 'METRIC_INPUT_INVALID' });
  assert.throws(() => questionAnsweringMetrics(['a'], [[3 as unknown as string]]), { code: 'METRIC_INPUT_INVALID' });
  assert.throws(() => questionAnsweringMetrics([3 as unknown as string], ['a']), { code: 'METRIC_INPUT_INVALID' });
});
