// @huggingface/transformers, unmodified, loading a tiny ONNX model (built by the test) from Moda
// over HTTP through `env.remoteHost` — the way a user points transformers.js at a private hub.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { env, pipeline, type TextClassificationPipeline } from '@huggingface/transformers';
import { tinyTextClassifier } from './fixtures/tiny-models.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let cacheDir: string;
let classifier: TextClassificationPipeline | undefined;
const model = tinyTextClassifier();
const requested: string[] = [];

before(async () => {
  server = await startTestServer();
  cacheDir = await mkdtemp(join(tmpdir(), 'moda-transformers-cache-'));
  const created = await server.request('/api/repos/create', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'tiny-sentiment', organization: 'admin' }),
  });
  assert.equal(created.status, 200);
  await uploadFiles({
    repo: 'admin/tiny-sentiment',
    accessToken: ADMIN_TOKEN,
    hubUrl: server.url,
    files: model.files.map((file) => ({ path: file.path, content: new Blob([file.content]) })),
  });
  env.allowLocalModels = false;
  env.allowRemoteModels = true;
  env.remoteHost = `${server.url}/`;
  env.cacheDir = cacheDir;
  // Record every URL transformers.js asks for, to prove nothing left the loopback server.
  const plainFetch = globalThis.fetch;
  env.fetch = (input: string | URL | Request, init?: RequestInit) => {
    requested.push(String(input instanceof Request ? input.url : input));
    return plainFetch(input, init);
  };
});

after(async () => {
  await classifier?.dispose();
  await server.stop();
  await rm(cacheDir, { recursive: true, force: true });
});

void test('transformers.js runs a text-classification pipeline on a model served by Moda', async () => {
  classifier = await pipeline('text-classification', 'admin/tiny-sentiment', { dtype: 'fp32', device: 'cpu' });
  for (const text of ['The movie was great!', 'Not good.', 'awful awful movie']) {
    const [top] = (await classifier(text)) as { label: string; score: number }[];
    const [expected] = model.expected(text);
    assert.equal(top?.label, expected?.label, text);
    assert.ok(Math.abs((top?.score ?? 0) - (expected?.score ?? 1)) < 1e-4, `${text}: ${top?.score} vs ${expected?.score}`);
  }
  assert.ok(requested.length > 0);
  for (const url of requested) assert.ok(url.startsWith(`${server.url}/admin/tiny-sentiment/resolve/main/`), url);
  assert.ok(requested.some((url) => url.endsWith('/onnx/model.onnx')));
});
