import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateModelCard } from './validate-model-card.js';

const messages = (card: string) => validateModelCard(card).errors.map((problem) => problem.message);

void test('a well-formed card has no errors; a card without metadata only a warning', () => {
  const card = [
    '---',
    'license: apache-2.0',
    'language: [en, zh]',
    'tags: tiny',
    'pipeline_tag: text-classification',
    'model-index:',
    '  - name: tiny',
    '    results:',
    '      - task: {type: text-classification}',
    '        dataset: {type: imdb, name: IMDb}',
    '        metrics: [{type: accuracy, value: 0.9}]',
    '---',
    '# Tiny',
  ].join('\n');
  assert.deepEqual(validateModelCard(card), { errors: [], warnings: [] });
  assert.deepEqual(validateModelCard('# no header').errors, []);
  assert.equal(validateModelCard('# no header').warnings.length, 1);
  assert.equal(validateModelCard('---\n---\n# empty').warnings.length, 1);
});

void test('broken YAML, a non-mapping header and wrongly typed fields are errors', () => {
  assert.match(messages('---\nlicense: [unclosed\n---\n')[0] ?? '', /could not be parsed/);
  assert.match(messages('---\n- a\n- b\n---\n')[0] ?? '', /must be a mapping/);
  assert.deepEqual(messages('---\npipeline_tag: [a, b]\ntags: [1, 2]\nlicense: {name: mit}\n---\n'), [
    '"pipeline_tag" must be a string',
    '"license" must be a string or a list of strings',
    '"tags" must be a string or a list of strings',
  ]);
});

void test('a malformed model-index names the path of each problem', () => {
  assert.deepEqual(messages('---\nmodel-index: {name: x}\n---\n'), ['"model-index" must be a list']);
  assert.deepEqual(messages('---\nmodel-index:\n  - results: not-a-list\n---\n'), ['"model-index[0].name" is required and must be a string', '"model-index[0].results" is required and must be a list']);
  assert.deepEqual(messages('---\nmodel-index:\n  - name: x\n    results:\n      - task: {}\n        dataset: {type: d}\n        metrics: [{type: acc}]\n---\n'), [
    '"model-index[0].results[0].task.type" is required and must be a string',
    '"model-index[0].results[0].dataset" must be an object with string "type" and "name"',
    '"model-index[0].results[0].metrics[0].value" is required',
  ]);
});
