// The pull's file patterns behave as huggingface_hub's (Python fnmatch): `*` crosses folders,
// classes and negated classes, a trailing slash for a folder, and include/exclude combined.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileFilter, globRegExp } from './select-files.js';

void test('fnmatch semantics: * and ? cross slashes, classes, literal dots, folder patterns', () => {
  const matches = (pattern: string, path: string) => globRegExp(pattern).test(path);
  assert.ok(matches('*Q4_K_M.gguf', 'model-Q4_K_M.gguf'));
  assert.ok(matches('*Q4_K_M.gguf', 'sub/dir/model-Q4_K_M.gguf'));
  assert.ok(!matches('*Q4_K_M.gguf', 'model-Q4_K_M.gguf.part'));
  assert.ok(!matches('*.gguf', 'modelxgguf'), 'a dot is literal');
  assert.ok(matches('model-?.bin', 'model-1.bin'));
  assert.ok(matches('*-[0-9][0-9].bin', 'shard-07.bin'));
  assert.ok(!matches('*-[!0-9].bin', 'shard-7.bin'));
  assert.ok(matches('*-[!0-9].bin', 'shard-x.bin'));
  assert.ok(matches('[]]x', ']x'), 'a ] right after [ is a member');
  assert.ok(matches('a[b', 'a[b'), 'an unclosed [ is literal');
  assert.ok(matches('onnx/', 'onnx/model.onnx'));
  assert.ok(!matches('onnx/', 'other/onnx.txt'));
  assert.ok(matches('(x)+{y}|z$', '(x)+{y}|z$'), 'regular-expression characters are literal');
  assert.ok(globRegExp('*'.repeat(400) + 'a').test('bbbba'), 'runs of stars collapse');
});

void test('include and exclude combine; bad patterns are refused', () => {
  const keep = fileFilter({ include: ['*.gguf', 'README.md'], exclude: ['*F32*'] });
  assert.deepEqual(['README.md', 'a-Q8_0.gguf', 'a-F32.gguf', 'config.json'].filter(keep), ['README.md', 'a-Q8_0.gguf']);
  assert.ok(fileFilter({})('anything'));
  assert.throws(() => fileFilter({ include: [''] }), { code: 'VALIDATION_FAILED' });
  assert.throws(() => fileFilter({ include: ['x'.repeat(513)] }), { code: 'VALIDATION_FAILED' });
  assert.throws(() => fileFilter({ include: Array.from({ length: 65 }, (_, index) => `${index}`) }), { code: 'VALIDATION_FAILED' });
});
