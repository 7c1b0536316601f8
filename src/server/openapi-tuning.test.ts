// The tuning part of the OpenAPI document compiles as JSON Schema 2020-12 (unknown keywords refused)
// and a real tune request and result validate against it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { openApiDocument } from './openapi.js';

void test('the tune job request, result and methods are documented and their schemas validate real values', () => {
  const document = openApiDocument();
  assert.ok(document.paths['/api/v1/tune-methods']);
  assert.ok((document.paths['/api/v1/jobs'] as { post?: unknown }).post);
  const ajv = new Ajv2020({ strictSchema: true, strictTypes: false, strictTuples: false, allErrors: true });
  for (const keyword of ['x-media', 'x-moda-task', 'components', 'paths']) ajv.addKeyword(keyword);
  ajv.addSchema({ $id: 'moda-openapi', components: document.components, paths: document.paths });
  const check = (name: string, value: unknown) => {
    const validate = ajv.getSchema(`moda-openapi#/components/schemas/${name}`);
    assert.ok(validate, name);
    return validate(value) === true;
  };
  assert.ok(check('TuneJobRequest', { type: 'tune', params: { method: 'fasttext', dataset: 'moda/spam-assassin', columns: { text: ['subject', 'body'] }, hyperparameters: { epochs: 5 }, output_repo: 'alice/spam' } }));
  assert.equal(check('TuneJobRequest', { type: 'tune', params: { method: 'fasttext', dataset: 'moda/spam-assassin' } }), false, 'output_repo is required');
  assert.ok(check('TuneResult', { repo: 'alice/spam', commit: 'a'.repeat(40), url: 'http://127.0.0.1/alice/spam', base_model: null, metrics: { accuracy: 0.97, macro_f1: 0.96, examples: 10, per_class: [] } }));
});
