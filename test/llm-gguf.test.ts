// GGUF models served through llama.cpp, on a tiny seeded llama written by the test (no weights can
// be downloaded here): repo detection without configuration.json, quantisation tags, metadata
// checked before load (a malformed file gets a clear error and the server lives on), the KV cache in
// the memory budget, context limits, and the native pipeline route. One thread, as tests must.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { garbageGguf, tinyLlamaGguf } from './fixtures/tiny-gguf.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
const CONTEXT = 256;

async function publish(name: string, files: { path: string; content: Uint8Array }[]): Promise<void> {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: `admin/${name}`, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
}

async function pipeline(model: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await server.request(`/api/v1/models/${model}/pipeline`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

before(async () => {
  server = await startTestServer({ threads: 1, llmParallel: 2, llmContext: CONTEXT, llmQueue: 2 });
  await publish('tiny', [
    { path: 'tiny-Q8_0.gguf', content: tinyLlamaGguf({ type: 'Q8_0' }) },
    { path: 'tiny-F16.gguf', content: tinyLlamaGguf({ type: 'F16' }) },
    { path: 'README.md', content: new TextEncoder().encode('---\nlicense: apache-2.0\n---\n# tiny\n') },
  ]);
  await publish('no-ffn', [{ path: 'model-F32.gguf', content: tinyLlamaGguf({ omit: ['llama.feed_forward_length'] }) }]);
  await publish('garbage', [{ path: 'model.gguf', content: garbageGguf() }]);
});

after(() => server.stop());

void test('a repo of .gguf files runs text generation with no configuration.json; the default is the smallest file', async () => {
  const { status, json } = await pipeline('admin/tiny', { input: 'hello world', parameters: { max_new_tokens: 8, do_sample: false } });
  assert.equal(status, 200, JSON.stringify(json));
  assert.equal(json.task, 'text-generation');
  assert.equal(typeof (json.output as { generated_text: string }).generated_text, 'string');
  const again = await pipeline('admin/tiny', { input: 'hello world', parameters: { max_new_tokens: 8, do_sample: false } });
  assert.deepEqual(again.json.output, json.output, 'greedy decoding is deterministic');
});

void test('owner/name:TAG picks a quantisation; an unknown tag is 404 naming the tags there are', async () => {
  const f16 = await pipeline('admin/tiny:F16', { input: 'hello world', parameters: { max_new_tokens: 4, do_sample: false } });
  assert.equal(f16.status, 200, JSON.stringify(f16.json));
  const missing = await pipeline('admin/tiny:Q4_K_M', { input: 'hello', parameters: { max_new_tokens: 4 } });
  assert.equal(missing.status, 404);
  assert.match(JSON.stringify(missing.json), /MODEL_VARIANT_NOT_FOUND|Q8_0, F16/);
});

void test('malformed GGUF files are refused with a clear error before any process loads them, and the server lives on', async () => {
  const noFfn = await pipeline('admin/no-ffn', { input: 'hello', parameters: { max_new_tokens: 4 } });
  assert.equal(noFfn.status, 422);
  assert.match(JSON.stringify(noFfn.json), /feed_forward_length/);
  const garbage = await pipeline('admin/garbage', { input: 'hello', parameters: { max_new_tokens: 4 } });
  assert.equal(garbage.status, 422);
  assert.match(JSON.stringify(garbage.json), /not a valid GGUF file/);
  assert.equal((await server.request('/healthz')).status, 200);
});

void test('a prompt that does not fit the context gets 413 naming the context', async () => {
  const long = 'the '.repeat(400);
  const { status, json } = await pipeline('admin/tiny', { input: long, parameters: { max_new_tokens: 4 } });
  assert.equal(status, 413, JSON.stringify(json));
  assert.match(JSON.stringify(json), /256-token context/);
});
