import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entitiesFromTags, entityMetricsFromSpans, entityMetricsFromTags } from './entity-f1.js';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) <= 1e-12, `${actual} ≠ ${expected}`);

void test("seqeval's README example: one of two entities right on each side → F1 0.5", () => {
  const references = [
    ['O', 'O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'O'],
    ['B-PER', 'I-PER', 'O'],
  ];
  const predictions = [
    ['O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'I-MISC', 'O'],
    ['B-PER', 'I-PER', 'O'],
  ];
  const result = entityMetricsFromTags(predictions, references);
  close(result.entity_f1, 0.5);
  close(result.entity_precision, 0.5);
  close(result.entity_recall, 0.5);
  assert.deepEqual(result.per_type.PER, { precision: 1, recall: 1, f1: 1, support: 1 });
  assert.deepEqual(result.per_type.MISC, { precision: 0, recall: 0, f1: 0, support: 1 });
});

void test('strict IOB2: an I- with no B- before it starts no entity (default seqeval mode would score 1.0)', () => {
  // seqeval docs: y_true [['B-NP', 'I-NP', 'O']], y_pred [['I-NP', 'I-NP', 'O']]: strict f1 = 0.
  const result = entityMetricsFromTags([['I-NP', 'I-NP', 'O']], [['B-NP', 'I-NP', 'O']]);
  assert.equal(result.entity_f1, 0);
  assert.equal(result.predicted_entities, 0);
  assert.deepEqual(entitiesFromTags(['B-PER', 'I-LOC', 'B-LOC', 'I-LOC'], 'IOB2'), [
    { entity: 'PER', start: 0, end: 1 },
    { entity: 'LOC', start: 2, end: 4 },
  ]);
});

void test('IOBES: B … E and S are entities, a B … I run that never reaches E is not', () => {
  assert.deepEqual(entitiesFromTags(['B-PER', 'E-PER', 'S-LOC', 'O', 'B-ORG', 'I-ORG', 'O'], 'IOBES'), [
    { entity: 'PER', start: 0, end: 2 },
    { entity: 'LOC', start: 2, end: 3 },
  ]);
  // reference PER(0,2) LOC(2,3); prediction only LOC(2,3) → P 1, R 1/2, F1 2/3.
  const result = entityMetricsFromTags([['B-PER', 'I-PER', 'S-LOC', 'O']], [['B-PER', 'E-PER', 'S-LOC', 'O']], 'IOBES');
  close(result.entity_f1, 2 / 3);
});

void test('spans (the task output) score the same way: type and exact offsets', () => {
  const result = entityMetricsFromSpans(
    [[{ entity: 'PER', start: 0, end: 2 }, { entity: 'LOC', start: 3, end: 6 }], null],
    [[{ entity: 'PER', start: 0, end: 2 }, { entity: 'LOC', start: 3, end: 5 }], [{ entity: 'ORG', start: 8, end: 12 }]],
  );
  assert.equal(result.failures, 1);
  close(result.entity_precision, 1 / 2);
  close(result.entity_recall, 1 / 3);
  close(result.entity_f1, 0.4);
});

void test('bad input: a tag outside the scheme, tag counts that differ, malformed spans', () => {
  assert.throws(() => entityMetricsFromTags([['X-PER']], [['B-PER']]), { code: 'METRIC_INPUT_INVALID' });
  assert.throws(() => entityMetricsFromTags([['S-PER']], [['B-PER']], 'IOB2'), { code: 'METRIC_INPUT_INVALID' });
  assert.throws(() => entityMetricsFromTags([['B-PER', 'O']], [['B-PER']]), { code: 'METRIC_INPUT_INVALID' });
  assert.throws(() => entityMetricsFromSpans([[{ entity: 'PER', start: 0 }] as never], [[]]), { code: 'METRIC_INPUT_INVALID' });
});
