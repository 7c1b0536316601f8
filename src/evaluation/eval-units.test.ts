// Unit tests of the evaluation's pure parts: label mapping, the results files written into a model
// repo (model-index, .eval_results, the card section), and which benchmark a dataset card declares.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { evalResultsPath, SECTION_END, SECTION_START, updateEvalResults, updateReadme, type EvalOutcome } from './eval-result-files.js';
import { LabelMapper } from './map-labels.js';
import { benchmarkOfCard, starterEvaluationJobId } from './starter-evaluations.js';

void test('labels map across case, whitespace, fastText prefixes and ids; the rest is reported', () => {
  const mapper = new LabelMapper({ id2label: { '0': 'NEGATIVE', '1': 'POSITIVE' }, predicted: ['__label__spam'] });
  assert.equal(mapper.modelLabelOf(' positive '), 'POSITIVE');
  assert.equal(mapper.modelLabelOf(0), 'NEGATIVE');
  assert.equal(mapper.modelLabelOf('1'), 'POSITIVE');
  assert.equal(mapper.modelLabelOf('SPAM'), '__label__spam');
  assert.equal(mapper.modelLabelOf('neutral'), undefined);
  assert.ok(mapper.matches('positive', 'POSITIVE'));
  assert.ok(!mapper.matches(undefined, 'POSITIVE'));
  assert.deepEqual(mapper.report(['positive', 'neutral', 'neutral', 0]), { mapped: { positive: 'POSITIVE', '0': 'NEGATIVE' }, unmapped: ['neutral'], unmappedSamples: 2 });
  // ClassLabel names of an integer column win over the bare id.
  const named = new LabelMapper({ predicted: ['cat', 'dog'], classNames: ['dog', 'cat'] });
  assert.equal(named.modelLabelOf(1), 'cat');
});

const outcome: EvalOutcome = {
  model: 'alice/sentiment',
  modelCommit: 'a'.repeat(40),
  dataset: 'alice/reviews',
  datasetName: 'Reviews',
  datasetCommit: 'b'.repeat(40),
  config: 'default',
  split: 'test',
  task: 'text-classification',
  taskTitle: 'Text Classification',
  taskId: 'test',
  metrics: [{ type: 'accuracy', name: 'Accuracy', value: 2 / 3 }],
  samples: 3,
  failed: 1,
  splitRows: 10,
  jobUrl: 'http://127.0.0.1:1/api/v1/jobs/00000000a0123456789',
  jobId: '00000000a0123456789',
  date: '2026-12-07T10:00:00.000Z',
};

void test("the card keeps the authors' header, results and text; this server's result for a target is replaced", () => {
  const authors = ['---', 'license: mit # theirs', 'model-index:', '  - name: sentiment', '    results:', '      - task: {type: text-classification}', '        dataset: {type: other/data, name: Other}', '        metrics: [{type: accuracy, value: 0.5}]', '---', '', '# Sentiment', '', 'Their words.', ''].join('\n');
  const once = updateReadme(authors, outcome);
  const twice = updateReadme(once, { ...outcome, metrics: [{ type: 'accuracy', name: 'Accuracy', value: 1 }] });
  assert.match(twice, /license: mit # theirs/);
  assert.match(twice, /Their words\./);
  assert.equal(twice.split(SECTION_START).length, 2);
  assert.ok(twice.indexOf(SECTION_END) > twice.indexOf(SECTION_START));
  const header = parse(/^---\n([\s\S]*?)\n---/.exec(twice)![1]!) as { 'model-index': { results: { dataset: { type: string; args?: { limit: number } }; metrics: { value: number; verified?: boolean }[] }[] }[] };
  const results = header['model-index'][0]!.results;
  assert.deepEqual(results.map((result) => result.dataset.type), ['other/data', 'alice/reviews']);
  assert.equal(results[1]!.metrics[0]!.value, 1);
  assert.equal(results[1]!.metrics[0]!.verified, true);
  assert.equal(results[0]!.metrics[0]!.verified, undefined);
  assert.equal(results[1]!.dataset.args?.limit, 3);
  // A card without a header gets one; a broken header is refused rather than overwritten.
  assert.match(updateReadme(undefined, outcome), /^---\nmodel-index:/);
  assert.throws(() => updateReadme('---\nkey: [unclosed\n---\n', outcome), { code: 'MODEL_CARD_INVALID' });
});

void test('.eval_results keeps other entries and replaces this server\'s own for the same dataset task', () => {
  assert.equal(evalResultsPath('alice/reviews'), '.eval_results/reviews.yaml');
  const theirs = '- dataset: {id: alice/reviews, task_id: test}\n  value: 0.9\n  source: {url: https://127.0.0.1/paper, name: Paper}\n';
  const first = updateEvalResults(theirs, outcome);
  const second = updateEvalResults(first, { ...outcome, metrics: [{ type: 'accuracy', name: 'Accuracy', value: 0.75 }] });
  const entries = parse(second) as { value: number; metric?: string; job_id?: string; model_revision?: string; verified?: boolean }[];
  assert.equal(entries.length, 2);
  assert.equal(entries[0]!.value, 0.9);
  assert.deepEqual({ value: entries[1]!.value, metric: entries[1]!.metric, job: entries[1]!.job_id, model: entries[1]!.model_revision, verified: entries[1]!.verified }, { value: 0.75, metric: 'accuracy', job: outcome.jobId, model: outcome.modelCommit, verified: true });
});

void test('a dataset card names its benchmark task, split and columns', () => {
  assert.deepEqual(benchmarkOfCard({ task_categories: ['image-to-text'], task_ids: ['optical-character-recognition'] }), { task: 'ocr', split: 'test' });
  assert.deepEqual(benchmarkOfCard({ task_categories: ['text-classification'] }), { task: 'text-classification', split: 'test' });
  assert.deepEqual(
    benchmarkOfCard({ 'train-eval-index': [{ config: 'default', task: 'text-classification', splits: { eval_split: 'validation' }, col_mapping: { subject: 'text', body: 'text', label: 'target' } }] }),
    { task: 'text-classification', split: 'validation', config: 'default', columns: { input: ['subject', 'body'], reference: 'label' } },
  );
  assert.equal(benchmarkOfCard({ task_categories: ['text-generation'] }), undefined);
  assert.match(starterEvaluationJobId('moda/a', 'moda/b'), /^[0-9a-z]{9}[0-9a-f]{10}$/);
  assert.notEqual(starterEvaluationJobId('moda/a', 'moda/b'), starterEvaluationJobId('moda/a', 'moda/c'));
});
