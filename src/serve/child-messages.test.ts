// Errors leaving a model process name no server path: Node's and engines' messages (which name
// files by absolute path) reach the server relative to the snapshot, other paths shortened.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModaError } from '../errors/moda-error.js';
import { deserializeError, serializeError } from './child-messages.js';

const root = '/srv/moda/cache/snapshots/org--model/0123abcd';

void test('a plain error from an engine or Node crosses with its paths relative to the snapshot', () => {
  const error = Object.assign(new Error(`ENOENT: no such file or directory, open '${root}/onnx/weights.bin'`), { code: 'ENOENT' });
  const serialized = serializeError(error, 'MODEL_LOAD_FAILED', root);
  assert.deepEqual(serialized, { code: 'MODEL_LOAD_FAILED', message: "ENOENT: no such file or directory, open 'onnx/weights.bin'" });
});

void test('a ModaError keeps its code; paths outside the snapshot, in its message and string details, are shortened', () => {
  const error = new ModaError('MODEL_INFERENCE_FAILED', 'tesseract exited with status 1: Error opening data file /tmp/moda-tessdata-x1/eng.traineddata', {
    details: { stderr: 'read /tmp/moda-tesseract-y2/images.txt', exitCode: 1 },
  });
  const crossed = deserializeError(serializeError(error, 'INTERNAL', root));
  assert.equal(crossed.code, 'MODEL_INFERENCE_FAILED');
  assert.equal(crossed.message, 'tesseract exited with status 1: Error opening data file eng.traineddata');
  assert.deepEqual(crossed.details, { stderr: 'read images.txt', exitCode: 1 });
});

void test('repo names, URLs and fractions are not paths', () => {
  const message = 'admin/model: 1/2 of http://127.0.0.1:8080/a/b failed';
  assert.equal(serializeError(new Error(message), 'MODEL_INFERENCE_FAILED', root).message, message);
});
