import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeMetrics, resolveMetrics } from './compute-metrics.js';
import { TASK_METRICS } from './task-metrics.js';

void test("each task's defaults are among its allowed metrics", () => {
  for (const [task, spec] of Object.entries(TASK_METRICS)) {
    for (const metric of spec.defaults) assert.ok((spec.allowed as readonly string[]).includes(metric), `${task}: ${metric}`);
  }
});

void test('text classification: the default metrics, from labels or from the task output (top score wins)', () => {
  const report = computeMetrics('text-classification', ['spam', [{ label: 'ham', score: 0.2 }, { label: 'spam', score: 0.8 }], null], ['spam', 'ham', 'ham']);
  assert.deepEqual(Object.keys(report.metrics), ['accuracy', 'f1_macro']);
  assert.equal(report.metrics.accuracy, 1 / 3);
  assert.equal(report.failures, 1);
  assert.equal(report.samples, 3);
});

void test('language identification compares codes without regard to case', () => {
  const report = computeMetrics('language-identification', ['ZH', 'en'], ['zh', 'fr']);
  assert.equal(report.metrics.accuracy, 0.5);
});

void test('requested metrics are reported in the order asked', () => {
  const report = computeMetrics('ocr', ['ab'], ['abc'], { metrics: ['wer', 'cer'] });
  assert.deepEqual(report.metrics, { wer: 1, cer: 1 / 3 });
});

void test('token classification takes tags or spans', () => {
  assert.equal(computeMetrics('token-classification', [['B-PER', 'O']], [['B-PER', 'O']]).metrics.entity_f1, 1);
  assert.equal(computeMetrics('token-classification', [[{ entity: 'PER', start: 0, end: 2 }]], [[{ entity: 'PER', start: 0, end: 3 }]]).metrics.entity_f1, 0);
  assert.throws(() => computeMetrics('token-classification', [[{ entity: 'PER', start: 0, end: 2 }]], [['B-PER']] as never), { code: 'METRIC_INPUT_INVALID' });
});

void test('a metric that does not fit the task, an unknown metric, a task without metrics: stable codes', () => {
  assert.throws(() => resolveMetrics('ocr', ['accuracy']), { code: 'METRIC_NOT_FOR_TASK' });
  assert.throws(() => computeMetrics('text-classification', ['a'], ['a'], { metrics: ['wer'] }), { code: 'METRIC_NOT_FOR_TASK' });
  assert.throws(() => resolveMetrics('ocr', ['bleu']), { code: 'METRIC_UNKNOWN' });
  assert.throws(() => resolveMetrics('text-generation'), { code: 'METRIC_TASK_UNSUPPORTED' });
  assert.throws(() => resolveMetrics('__proto__'), { code: 'METRIC_TASK_UNSUPPORTED' });
  assert.throws(() => computeMetrics('sentence-similarity', [0.1], [0.2, 0.3]), { code: 'METRIC_INPUT_INVALID' });
  assert.throws(() => computeMetrics('text-classification', [42], ['a']), { code: 'METRIC_INPUT_INVALID' });
});
