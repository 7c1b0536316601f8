import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { classificationMetrics } from './classification-metrics.js';

const close = (actual: number, expected: number, tolerance = 1e-12) => assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} ≠ ${expected}`);

void test('scikit-learn documentation example: macro, micro and weighted F1, macro precision and recall', () => {
  // sklearn.metrics.f1_score docs: y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1]
  // → macro 0.2666…, micro 0.3333…, weighted 0.2666…; precision_recall_fscore_support(macro) → 0.2222…, 0.3333….
  const result = classificationMetrics(['a', 'c', 'b', 'a', 'a', 'b'], ['a', 'b', 'c', 'a', 'b', 'c']);
  close(result.f1_macro, 0.8 / 3);
  close(result.f1_micro, 1 / 3);
  close(result.f1_weighted, 0.8 / 3);
  close(result.precision_macro, 2 / 9);
  close(result.recall_macro, 1 / 3);
  close(result.accuracy, 2 / 6);
  // By hand, class a: 2 true positives of 3 predicted and 2 references → P 2/3, R 1, F1 0.8.
  assert.deepEqual(result.per_class.a, { precision: 2 / 3, recall: 1, f1: 0.8, support: 2 });
  assert.deepEqual(result.per_class.b, { precision: 0, recall: 0, f1: 0, support: 2 });
});

void test('confusion matrix: rows are references, columns predictions (sklearn.metrics.confusion_matrix example)', () => {
  // y_true = [2, 0, 2, 2, 0, 1], y_pred = [0, 0, 2, 2, 0, 2] → [[2, 0, 0], [0, 0, 1], [1, 0, 2]].
  const result = classificationMetrics(['0', '0', '2', '2', '0', '2'], ['2', '0', '2', '2', '0', '1']);
  assert.deepEqual(result.labels, ['0', '1', '2']);
  assert.deepEqual(result.confusion_matrix, [
    [2, 0, 0],
    [0, 0, 1],
    [1, 0, 2],
  ]);
});

void test('a failed prediction (null) is wrong, a false negative of its class, and counted', () => {
  const result = classificationMetrics(['spam', null, 'ham', 'ham'], ['spam', 'spam', 'ham', 'spam']);
  assert.equal(result.failures, 1);
  assert.equal(result.samples, 4);
  close(result.accuracy, 2 / 4);
  // spam: tp 1, predicted 1, references 3 → P 1, R 1/3; ham: tp 1, predicted 2, references 1 → P 1/2, R 1.
  close(result.per_class.spam!.recall, 1 / 3);
  close(result.per_class.ham!.precision, 1 / 2);
  // The failure is no one's false positive, so micro precision counts only 3 predictions.
  close(result.precision_micro, 2 / 3);
  close(result.recall_micro, 2 / 4);
});

void test('labels option fixes the class order and keeps classes never seen', () => {
  const result = classificationMetrics(['x', 'x'], ['x', 'y'], { labels: ['y', 'x', 'z'] });
  assert.deepEqual(result.labels, ['y', 'x', 'z']);
  assert.deepEqual(result.confusion_matrix, [
    [0, 1, 0],
    [0, 1, 0],
    [0, 0, 0],
  ]);
  // z has no references and no predictions: F1 0 (zero_division=0) and it lowers the macro mean.
  close(result.f1_macro, (0 + 2 / 3 + 0) / 3);
});

void test('bad input: lengths differ, no samples, a non-string label, repeated labels', () => {
  assert.throws(() => classificationMetrics(['a'], ['a', 'b']), { code: 'METRIC_INPUT_INVALID' });
  assert.throws(() => classificationMetrics([], []), { code: 'METRIC_INPUT_INVALID' });
  assert.throws(() => classificationMetrics(['a'], [3 as unknown as string]), { code: 'METRIC_INPUT_INVALID' });
  assert.throws(() => classificationMetrics([{} as unknown as string], ['a']), { code: 'METRIC_INPUT_INVALID' });
  assert.throws(() => classificationMetrics(['a'], ['a'], { labels: ['a', 'a'] }), { code: 'METRIC_INPUT_INVALID' });
});

void test('properties: micro F1 equals accuracy, the matrix holds every sample, accuracy is the diagonal share', () => {
  const label = fc.constantFrom('a', 'b', 'c', 'd');
  fc.assert(
    fc.property(fc.array(fc.tuple(label, label), { minLength: 1, maxLength: 60 }), (pairs) => {
      const result = classificationMetrics(
        pairs.map(([prediction]) => prediction),
        pairs.map(([, reference]) => reference),
      );
      close(result.f1_micro, result.accuracy);
      const total = result.confusion_matrix.flat().reduce((sum, count) => sum + count, 0);
      assert.equal(total, pairs.length);
      const diagonal = result.confusion_matrix.reduce((sum, row, i) => sum + row[i]!, 0);
      close(result.accuracy, diagonal / pairs.length);
    }),
  );
});
