// GGUF models served through llama.cpp, on a tiny seeded llama written by the test (no weights can
// be downloaded here): repo detection without configuration.json, quantisation tags, metadata
// checked before load (a malformed file gets a clear error and the server lives on), the KV cache in
// the memory budget, context limits, and the native pipeline route. One thread, as tests must.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { garbageGguf, kvBytesPerSequence, TINY_LLAMA_SHAPE, tinyLlamaGguf } from './fixtures/tiny-gguf.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
const CONTEXT = 256;

async function publish(name: string, files: { path: string; content: Uint8Array }[]): Promise<void> {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: `admin/${name}`, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
}

interface PsModel {
  name: string;
  size: number;
  sequences: number;
  sequences_in_use: number;
  queued: number;
  context_length: number;
  kv_cache_bytes: number;
}

async function ps(on: TestServer): Promise<PsModel[]> {
  return ((await (await on.request('/api/ps')).json()) as { models: PsModel[] }).models;
}

/** Polls /api/ps until `ready` holds for the model (state, not speed, is what the tests wait for). */
async function waitForPs(on: TestServer, ready: (model: PsModel | undefined) => boolean): Promise<PsModel | undefined> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const model = (await ps(on)).find((entry) => entry.name.startsWith('admin/tiny:'));
    if (ready(model)) return model;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail('the model never reached the state waited for');
}

async function publishTo(on: TestServer, name: string, files: { path: string; content: Uint8Array }[]): Promise<void> {
  const created = await on.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: `admin/${name}`, accessToken: ADMIN_TOKEN, hubUrl: on.url, files: files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
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

void test('the KV cache of every sequence counts in the model memory budget (/api/ps)', async () => {
  await pipeline('admin/tiny', { input: 'hello', parameters: { max_new_tokens: 2 } });
  const loaded = (await ps(server)).find((model) => model.name === 'admin/tiny:Q8_0');
  assert.ok(loaded, 'the Q8_0 model is loaded');
  assert.equal(loaded.sequences, 2);
  assert.equal(loaded.context_length, CONTEXT);
  assert.equal(loaded.kv_cache_bytes, 2 * kvBytesPerSequence(TINY_LLAMA_SHAPE, CONTEXT));
  assert.ok(loaded.size > loaded.kv_cache_bytes);
});

void test('sequences that do not fit the memory budget: a clear 503 naming the KV cache, before any process starts', async () => {
  const small = await startTestServer({ threads: 1, llmParallel: 4, llmContext: 2048, maxModelMemoryBytes: 4 * 1024 ** 2 });
  try {
    await publishTo(small, 'tiny', [{ path: 'tiny-Q8_0.gguf', content: tinyLlamaGguf({ type: 'Q8_0' }) }]);
    const response = await small.request('/api/v1/models/admin/tiny/pipeline', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 'hi' }) });
    assert.equal(response.status, 503);
    const body = (await response.json()) as { code: string; error: string };
    assert.equal(body.code, 'MODEL_MEMORY_EXHAUSTED');
    assert.match(body.error, new RegExp(`4 × 2048-token KV cache of ${kvBytesPerSequence(TINY_LLAMA_SHAPE, 2048)} bytes each`));
  } finally {
    await small.stop();
  }
});

void test('beyond the sequences a bounded queue, then 429 with Retry-After; a client that leaves stops its generation and frees its sequence', async () => {
  const busy = await startTestServer({ threads: 1, llmParallel: 2, llmContext: 2048, llmQueue: 2 });
  try {
    await publishTo(busy, 'tiny', [{ path: 'tiny-Q8_0.gguf', content: tinyLlamaGguf({ type: 'Q8_0' }) }]);
    const noEnd = { '2': -100, '4': -100 };
    const completion = (body: Record<string, unknown>, signal?: AbortSignal) =>
      busy.request('/v1/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'admin/tiny', prompt: 'a', logit_bias: noEnd, ...body }), ...(signal && { signal }) });
    const leaving = [new AbortController(), new AbortController()];
    const long = await Promise.all(leaving.map((controller) => completion({ max_tokens: 2000, stream: true }, controller.signal)));
    for (const response of long) {
      assert.equal(response.status, 200);
      await response.body?.getReader().read();
    }
    await waitForPs(busy, (model) => model?.sequences_in_use === 2);
    const queued = [completion({ max_tokens: 2 }), completion({ max_tokens: 2 })];
    await waitForPs(busy, (model) => model?.queued === 2);
    const refused = await completion({ max_tokens: 2 });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'rate_limit_exceeded');
    for (const controller of leaving) controller.abort();
    for (const response of await Promise.all(queued)) {
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens, 2);
    }
    // The long generations had thousands of tokens to go: the sequences are free because they stopped.
    await waitForPs(busy, (model) => model?.sequences_in_use === 0 && model.queued === 0);
  } finally {
    await busy.stop();
  }
});
