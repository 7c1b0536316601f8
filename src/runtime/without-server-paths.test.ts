// Engine messages keep what helps (the file name in the repo) and lose where the server keeps it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { withoutServerPaths } from './without-server-paths.js';

const root = '/var/lib/moda/cache/snapshots/admin--m/0123abcd';

void test('snapshot paths become repo-relative; other absolute paths lose their directories', () => {
  assert.equal(withoutServerPaths(`Load model from ${root}/onnx/model.onnx failed: external data file ${root}/onnx/w.bin not found`, root), 'Load model from onnx/model.onnx failed: external data file onnx/w.bin not found');
  assert.equal(withoutServerPaths("open '/etc/moda/secret.bin' failed", root), "open 'secret.bin' failed");
  assert.equal(withoutServerPaths('fetch http://127.0.0.1:8080/a/b/c failed'), 'fetch http://127.0.0.1:8080/a/b/c failed');
  assert.equal(withoutServerPaths('ratio 3/4 and a/b/c'), 'ratio 3/4 and a/b/c');
});

void test('property: no absolute directory of two or more segments survives', () => {
  const segment = fc.stringMatching(/^[a-zA-Z0-9._-]{1,8}$/);
  fc.assert(
    fc.property(fc.array(segment, { minLength: 2, maxLength: 6 }), fc.constantFrom('', 'error at ', 'file "'), (segments, before) => {
      const path = `/${segments.join('/')}`;
      const cleaned = withoutServerPaths(`${before}${path} is missing`);
      assert.ok(!cleaned.includes(`/${segments[0]}/`), cleaned);
      assert.ok(cleaned.includes(segments.at(-1) ?? ''), cleaned);
    }),
  );
});
