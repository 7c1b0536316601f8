import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { resultsOfEvalResultsFile, resultsOfModelIndex } from './read-model-results.js';

void test('model-index: every metric of every result, dataset type as the benchmark id, job from a source URL', () => {
  const card = parse(`model-index:
  - name: m
    results:
      - task: {type: text-classification}
        dataset: {type: Moda/CLUE, name: CLUE, config: afqmc, split: validation}
        metrics:
          - {type: accuracy, value: 0.74, verified: true}
          - {type: f1_macro, value: "0.7"}
        source: {name: Moda, url: "http://127.0.0.1:1/jobs/0mabcdefg0123456789"}
      - task: {type: x}
        metrics: [{type: accuracy, value: 1}]
      - dataset: {type: d}
        metrics: [{type: accuracy}]
`) as Record<string, unknown>;
  const { results, skipped } = resultsOfModelIndex(card);
  assert.equal(skipped, 2);
  assert.deepEqual(
    results.map((result) => [result.benchmark, result.config, result.metric, result.value, result.claimsVerified, result.jobId]),
    [
      ['moda/clue', 'afqmc', 'accuracy', 0.74, true, '0mabcdefg0123456789'],
      ['moda/clue', 'afqmc', 'f1_macro', 0.7, false, '0mabcdefg0123456789'],
    ],
  );
});

void test('.eval_results: entries with dataset.id and value; malformed ones skipped; a javascript: source is dropped', () => {
  const { results, skipped } = resultsOfEvalResultsFile(`- dataset: {id: cais/hle, task_id: default}
  value: 20.9
  date: "2025-01-15"
  source: {url: "https://127.0.0.1/logs", name: Eval traces}
- dataset: {id: cais/hle}
  value: high
- dataset: {id: x/y, task_id: t}
  value: 1
  model_revision: ${'a'.repeat(40)}
  source: {url: "javascript:alert(1)"}
`);
  assert.deepEqual(results.map((result) => result.modelCommit), [null, 'a'.repeat(40)]);
  assert.equal(skipped, 1);
  assert.deepEqual(results.map((result) => [result.benchmark, result.taskId, result.value, result.date, result.sourceUrl]), [
    ['cais/hle', 'default', 20.9, '2025-01-15', 'https://127.0.0.1/logs'],
    ['x/y', 't', 1, null, null],
  ]);
  assert.deepEqual(resultsOfEvalResultsFile('value: [').results, []);
  assert.equal(resultsOfEvalResultsFile('value: [').skipped, 1);
});
