import assert from 'node:assert/strict';
import { test } from 'node:test';
import { averageRanks, correlationMetrics } from './correlation.js';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) <= 1e-12, `${actual} ≠ ${expected}`);

void test('Pearson and Spearman by hand, ties sharing their average rank', () => {
  // x = 1..5, y = [5, 6, 7, 8, 7]: Sxy = 6, Sxx = 10, Syy = 5.2 → r = 6 / √52.
  // Ranks of y: [1, 2, 3.5, 5, 3.5] → Sxy = 8, Syy = 9.5 → ρ = 8 / √95.
  const result = correlationMetrics([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]);
  close(result.pearson, 6 / Math.sqrt(52));
  close(result.spearman, 8 / Math.sqrt(95));
  assert.deepEqual(averageRanks([5, 6, 7, 8, 7]), [1, 2, 3.5, 5, 3.5]);
});

void test('perfectly monotone but not linear: Spearman 1, Pearson below 1', () => {
  const result = correlationMetrics([1, 2, 3, 4], [1, 4, 9, 100]);
  close(result.spearman, 1);
  assert.ok(result.pearson < 1);
});

void test('failures are left out of the correlation and counted', () => {
  const result = correlationMetrics([1, null, 3, 2], [1, 5, 3, 2]);
  assert.equal(result.failures, 1);
  assert.equal(result.samples, 3);
  close(result.pearson, 1);
});

void test('undefined correlations and bad input are refused, not reported as numbers', () => {
  assert.throws(() => correlationMetrics([1, 1, 1], [1, 2, 3]), { code: 'METRIC_UNDEFINED' });
  assert.throws(() => correlationMetrics([1, null], [1, 2]), { code: 'METRIC_UNDEFINED' });
  assert.throws(() => correlationMetrics([1, Number.NaN], [1, 2]), { code: 'METRIC_INPUT_INVALID' });
  assert.throws(() => correlationMetrics([1, 2], [1, '2' as unknown as number]), { code: 'METRIC_INPUT_INVALID' });
});
