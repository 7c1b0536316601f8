// Held-out metrics against hand-computed values, and the stratified seeded validation split.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classificationMetrics } from './classification-metrics.js';
import { splitValidation } from './split-validation.js';
import type { TuneExample } from './tune-method.js';

void test('accuracy, macro-F1, per-class precision/recall and the confusion matrix', () => {
  const truth = ['a', 'a', 'a', 'b', 'b', 'c'];
  const predicted = ['a', 'a', 'b', 'b', 'a', 'c'];
  const metrics = classificationMetrics(['a', 'b', 'c'], truth, predicted);
  assert.equal(metrics.accuracy, 4 / 6);
  assert.deepEqual(metrics.confusion_matrix, [[2, 1, 0], [1, 1, 0], [0, 0, 1]]);
  const [a, b, c] = metrics.per_class;
  assert.deepEqual([a?.precision, a?.recall, a?.support], [2 / 3, 2 / 3, 3]);
  assert.deepEqual([b?.precision, b?.recall, b?.support], [1 / 2, 1 / 2, 2]);
  assert.deepEqual([c?.precision, c?.recall, c?.f1], [1, 1, 1]);
  assert.ok(Math.abs(metrics.macro_f1 - (2 / 3 + 1 / 2 + 1) / 3) < 1e-12);
});

void test('the validation split is stratified, seeded, and never takes a class\'s last row', () => {
  const examples: TuneExample[] = [];
  for (let index = 0; index < 100; index++) examples.push({ row: index, text: `t${index}`, label: index < 80 ? 'big' : index < 99 ? 'small' : 'single' });
  const first = splitValidation(examples, 7);
  const again = splitValidation(examples, 7);
  const other = splitValidation(examples, 8);
  assert.deepEqual(first.validation.map((example) => example.row), again.validation.map((example) => example.row));
  assert.notDeepEqual(first.validation.map((example) => example.row), other.validation.map((example) => example.row));
  const count = (list: TuneExample[], label: string) => list.filter((example) => example.label === label).length;
  assert.equal(count(first.validation, 'big'), 12);
  assert.equal(count(first.validation, 'small'), 3);
  assert.equal(count(first.validation, 'single'), 0);
  assert.equal(first.train.length + first.validation.length, 100);
});
