import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isModaError } from '../errors/moda-error.js';
import { lfsPatterns, matchesAny, DEFAULT_GITATTRIBUTES } from './gitattributes.js';
import { checkFilePath, checkRefName, parseRepoId } from './paths.js';

const fails = (code: string) => (error: unknown) => isModaError(error) && error.code === code;

void test('repo ids follow the Hugging Face rules', () => {
  assert.deepEqual(parseRepoId('Qwen/Qwen2.5-0.5B_instruct'), { namespace: 'Qwen', name: 'Qwen2.5-0.5B_instruct' });
  for (const id of ['noslash', 'a/b/c', 'a/-b', 'a/b-', 'a/b.', 'a/b--c', 'a/b..c', 'a/b.git', `a/${'x'.repeat(97)}`, '/b', 'a/', 'a b/c']) {
    assert.throws(() => parseRepoId(id), fails('REPO_NAME_INVALID'), id);
  }
});

void test('file paths cannot escape the repo', () => {
  assert.equal(checkFilePath('onnx/model.onnx'), 'onnx/model.onnx');
  assert.equal(checkFilePath('数据/训练.json'), '数据/训练.json');
  for (const path of ['', '/etc/passwd', '../x', 'a/../b', './a', 'a/./b', '.git/config', 'a/.GIT/b', 'a\\b', 'a\0b', 'a\nb', 'a//b', 'dir/', 'x'.repeat(1025)]) {
    assert.throws(() => checkFilePath(path), fails('PATH_INVALID'), JSON.stringify(path));
  }
});

void test('ref names follow git check-ref-format', () => {
  for (const name of ['main', 'v1.0', 'refs/pr/1', 'feature/x']) assert.equal(checkRefName(name), name);
  for (const name of ['', '-x', 'a..b', 'a.lock', 'a b', 'a~1', 'a^', 'a:b', '@', 'a@{1}', '.hidden', 'a/.b', 'a/', '/a', 'a//b']) {
    assert.throws(() => checkRefName(name), fails('REVISION_INVALID'), name);
  }
});

void test('gitattributes patterns decide which files are LFS', () => {
  const patterns = lfsPatterns(DEFAULT_GITATTRIBUTES);
  for (const path of ['model.onnx', 'onnx/model.onnx', 'w.safetensors', 'x.tar.gz', 'a.bin', 'saved_model/variables/v.data']) assert.ok(matchesAny(path, patterns), path);
  for (const path of ['config.json', 'README.md', 'onnx.txt', 'binary.txt']) assert.ok(!matchesAny(path, patterns), path);
  const custom = lfsPatterns('# comment\n/top.dat filter=lfs diff=lfs merge=lfs -text\ndocs/** filter=lfs\n*.txt text\n');
  assert.ok(matchesAny('top.dat', custom));
  assert.ok(!matchesAny('sub/top.dat', custom), 'a pattern with a slash is anchored');
  assert.ok(matchesAny('docs/a/b.md', custom));
  assert.ok(!matchesAny('notes.txt', custom));
});
