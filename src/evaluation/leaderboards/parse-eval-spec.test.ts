import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEvalSpec } from './parse-eval-spec.js';

void test("Hugging Face's eval.yaml form parses; Moda's keys default sensibly; unknown task keys are kept", () => {
  const spec = parseEvalSpec('name: GPQA\ndescription: d\nevaluation_framework: inspect-ai\nmetric: accuracy\ntasks:\n  - id: gpqa_diamond\n    config: default\n    split: train\n    field_spec: {input: question}\n');
  assert.equal(spec.higherIsBetter, true);
  assert.equal(spec.display, 'percent');
  assert.deepEqual(spec.tasks, [{ id: 'gpqa_diamond', config: 'default', split: 'train', metric: 'accuracy', extra: { field_spec: { input: 'question' } } }]);
  const ocr = parseEvalSpec('name: OCR\nmetric: cer\ntasks:\n  - {id: all, split: test}\n');
  assert.equal(ocr.higherIsBetter, false);
  assert.equal(ocr.display, 'number');
  assert.equal(ocr.tasks[0]!.config, 'default');
});

void test('reference rows: score, scores per task, a required http(s) source', () => {
  const spec = parseEvalSpec('name: x\nmetric: accuracy\ntasks:\n  - {id: a, split: test}\n  - {id: b, split: test}\nreference_rows:\n  - name: Human\n    scores: {a: 0.9, b: 0.8}\n    source: {url: "https://127.0.0.1/paper", name: Paper}\n');
  assert.deepEqual(spec.referenceRows, [{ name: 'Human', scores: { a: 0.9, b: 0.8 }, source: { url: 'https://127.0.0.1/paper', name: 'Paper' } }]);
});

void test('bad eval.yaml files are refused with BENCHMARK_INVALID and a message that says why', () => {
  const cases: [string, RegExp][] = [
    ['tasks: [', /does not parse as YAML/],
    ['- a\n- b\n', /must be a mapping/],
    ['name: x\nmetric: accuracy\n', /tasks must be a non-empty list/],
    ['name: x\ntasks:\n  - {id: a, split: test}\n', /has no metric/],
    ['name: x\nmetric: accuracy\ntasks:\n  - {id: a}\n', /tasks\[0\]\.split/],
    ['name: x\nmetric: accuracy\ntasks:\n  - {id: a, split: t}\n  - {id: a, split: u}\n', /appears twice/],
    ['name: x\nmetric: accuracy\ntasks:\n  - {id: a, split: t}\n  - {id: b, split: t, metric: wer}\n', /points the other way/],
    ['name: x\nmetric: accuracy\nhigher_is_better: maybe\ntasks:\n  - {id: a, split: t}\n', /higher_is_better/],
    ['name: x\nmetric: accuracy\ntasks:\n  - {id: a, split: t}\nreference_rows:\n  - {name: Human, score: 0.9}\n', /source/],
    ['name: x\nmetric: accuracy\ntasks:\n  - {id: a, split: t}\nreference_rows:\n  - {name: H, score: 0.9, source: {url: "javascript:alert(1)"}}\n', /http\(s\) URL/],
    ['name: x\nmetric: accuracy\ntasks:\n  - {id: a, split: t}\nreference_rows:\n  - {name: H, scores: {zz: 0.9}, source: {url: "http://127.0.0.1/paper"}}\n', /does not have/],
    ['name: x\nmetric: accuracy\ntasks:\n  - {id: a, split: t}\nreference_rows:\n  - {name: H, score: high, source: {url: "http://127.0.0.1/paper"}}\n', /must be a number/],
    ['name: x\nmetric: "bad name!"\ntasks:\n  - {id: a, split: t}\n', /metric must be a name/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseEvalSpec(text), (error: Error & { code?: string }) => error.code === 'BENCHMARK_INVALID' && message.test(error.message), text);
  }
});
