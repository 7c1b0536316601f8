import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isModaError } from '../../errors/moda-error.js';
import { chooseGgufFile, quantOf, splitModelTag } from './gguf-variant.js';

const files = [
  { path: 'tiny-F16.gguf', size: 300 },
  { path: 'tiny-Q8_0.gguf', size: 200 },
  { path: 'tiny.Q4_K_M.gguf', size: 150 },
  { path: 'tiny-Q4_0.gguf', size: 140 },
  { path: 'tiny-Q2_K.gguf', size: 100 },
  { path: 'mmproj-tiny-F16.gguf', size: 10 },
  { path: 'big-Q4_K_M-00001-of-00002.gguf', size: 5 },
];

void test('model ids split into repo and quantisation tag; bad tags are refused', () => {
  assert.deepEqual(splitModelTag('ns/name'), { repoId: 'ns/name' });
  assert.deepEqual(splitModelTag('ns/name:Q4_K_M'), { repoId: 'ns/name', tag: 'Q4_K_M' });
  assert.throws(() => splitModelTag('ns/name:'), (error) => isModaError(error) && error.code === 'VALIDATION_FAILED');
  assert.throws(() => splitModelTag('ns/name:a/b'), (error) => isModaError(error) && error.code === 'VALIDATION_FAILED');
});

void test('quantisation tags come from file names', () => {
  assert.equal(quantOf('tiny-F16.gguf'), 'F16');
  assert.equal(quantOf('dir/model.q4_k_m.gguf'), 'Q4_K_M');
  assert.equal(quantOf('model-IQ3_XS.gguf'), 'IQ3_XS');
  assert.equal(quantOf('model.gguf'), 'model');
});

void test('the default is the card-named file, else the smallest Q4, else the smallest; tags pick exactly', () => {
  assert.equal(chooseGgufFile('ns/tiny', files, undefined, undefined).path, 'tiny-Q4_0.gguf');
  assert.equal(chooseGgufFile('ns/tiny', files, undefined, 'Q8_0').path, 'tiny-Q8_0.gguf');
  assert.equal(chooseGgufFile('ns/tiny', files, 'q4_k_m', undefined).path, 'tiny.Q4_K_M.gguf');
  assert.equal(chooseGgufFile('ns/tiny', files.filter((file) => !file.path.includes('Q4')), undefined, undefined).path, 'tiny-Q2_K.gguf');
  assert.throws(() => chooseGgufFile('ns/tiny', files, 'Q5_K_M', undefined), (error) => isModaError(error) && error.code === 'MODEL_VARIANT_NOT_FOUND' && error.message.includes('Q8_0'));
  assert.throws(() => chooseGgufFile('ns/tiny', [files[5]!, files[6]!], undefined, undefined), (error) => isModaError(error) && error.code === 'MODEL_NOT_RUNNABLE');
});
