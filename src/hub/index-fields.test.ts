import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveIndexFields } from './index-fields.js';
import type { RepoFile } from './list-files.js';
import { parseModelCard } from './model-card.js';

const file = (path: string): RepoFile => ({ path, blobId: '0'.repeat(40), mode: '100644', size: 1 });

void test('model card front matter is parsed, and a broken header indexes nothing but keeps the text', () => {
  assert.deepEqual(parseModelCard('---\nlicense: mit\ntags: [a, b]\n---\n# Title\n'), { data: { license: 'mit', tags: ['a', 'b'] }, body: '# Title\n' });
  assert.deepEqual(parseModelCard('---\nlicense: [unclosed\n---\nbody'), { data: {}, body: 'body' });
  assert.deepEqual(parseModelCard('# no header'), { data: {}, body: '# no header' });
  assert.deepEqual(parseModelCard('---\n- a list\n---\n'), { data: {}, body: '' });
});

void test('card fields become HF-style tags and columns', () => {
  const fields = deriveIndexFields({
    files: [file('model.safetensors'), file('onnx/model.onnx')],
    readme: '---\nlicense: apache-2.0\npipeline_tag: fill-mask\nlibrary_name: transformers\nlanguage: [zh, en]\ndatasets: wikipedia\nbase_model: bert-base\ntags: [chinese]\n---\n',
  });
  assert.equal(fields.pipelineTag, 'fill-mask');
  assert.equal(fields.libraryName, 'transformers');
  assert.equal(fields.license, 'apache-2.0');
  assert.deepEqual(new Set(fields.tags), new Set(['chinese', 'transformers', 'fill-mask', 'zh', 'en', 'dataset:wikipedia', 'base_model:bert-base', 'base_model:finetune:bert-base', 'license:apache-2.0', 'onnx', 'safetensors']));
});

void test('ModelScope configuration.json supplies task and framework when the card is silent', () => {
  const fields = deriveIndexFields({
    files: [file('configuration.json')],
    readme: '# plain card',
    configuration: JSON.stringify({ framework: 'onnx', task: 'ocr-recognition', pipeline: { type: 'convnextv2-ocr-recognition' } }),
  });
  assert.equal(fields.pipelineTag, 'ocr-recognition');
  assert.equal(fields.libraryName, 'onnx');
  assert.deepEqual(fields.config, { modelscope: { framework: 'onnx', task: 'ocr-recognition', pipeline: { type: 'convnextv2-ocr-recognition' } } });
  assert.equal(fields.cardData, null);
});

void test('HF config.json gives architectures and the transformers / transformers.js library', () => {
  const config = JSON.stringify({ model_type: 'bert', architectures: ['BertForSequenceClassification'] });
  assert.equal(deriveIndexFields({ files: [file('config.json')], config }).libraryName, 'transformers');
  const withOnnx = deriveIndexFields({ files: [file('config.json'), file('onnx/model.onnx')], config });
  assert.equal(withOnnx.libraryName, 'transformers.js');
  assert.deepEqual(withOnnx.config, { architectures: ['BertForSequenceClassification'], model_type: 'bert' });
  assert.equal(deriveIndexFields({ files: [], config: '{not json' }).config, null);
});
