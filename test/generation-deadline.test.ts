// Text generation's deadline is one of idleness: a generation that keeps producing tokens runs past
// MODA_MODEL_BATCH_TIMEOUT (max_new_tokens and the context bound it), while one that stops producing
// them is killed that long after its last token, its process with it, and the model serves again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { slowCausalLm } from './fixtures/hostile-models.js';
import type { ModelFile } from './fixtures/tiny-models.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

const BATCH_TIMEOUT_MS = 2000;
/** Tens of milliseconds of work per token (about 175 ms on a busy 2-core machine, 25 ms on a quick one). */
const STEADY_TRIPS = 50_000;
const STEADY_TOKENS = 100;
let server: TestServer;

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function publish(name: string, files: ModelFile[]): Promise<void> {
  const created = await server.request('/api/repos/create', json({ name, organization: 'admin' }));
  assert.equal(created.status, 200, await created.text());
  await uploadFiles({ repo: `admin/${name}`, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
}

before(async () => {
  server = await startTestServer({ modelBatchTimeoutMs: BATCH_TIMEOUT_MS, modelReplicas: 1 });
  await publish('steady', slowCausalLm(STEADY_TRIPS));
  // 10¹² iterations in the first forward pass: not one token, ever.
  await publish('stalled', slowCausalLm(1e12));
});

after(async () => {
  await server.stop();
});

void test('a streamed generation that keeps producing tokens runs past the batch timeout to its end', async (t) => {
  const started = performance.now();
  const response = await server.request('/v1/completions', json({ model: 'admin/steady', prompt: 'one', max_tokens: STEADY_TOKENS, stream: true }));
  assert.equal(response.status, 200, await response.clone().text());
  const events = (await response.text())
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]')
    .map((line) => JSON.parse(line.slice('data: '.length)) as { choices?: { text?: string; finish_reason?: string | null }[]; error?: unknown });
  const elapsed = performance.now() - started;
  t.diagnostic(`${STEADY_TOKENS} tokens in ${Math.round(elapsed)} ms; the batch timeout is ${BATCH_TIMEOUT_MS} ms`);
  assert.ok(!events.some((event) => event.error !== undefined), JSON.stringify(events.find((event) => event.error !== undefined)));
  const text = events.map((event) => event.choices?.[0]?.text ?? '').join('');
  const finishReasons = events.flatMap((event) => event.choices?.[0]?.finish_reason ?? []);
  assert.deepEqual(finishReasons, ['length'], JSON.stringify(events.at(-1)));
  // The endless counter: " two three … ten one two …", one word a token.
  assert.equal(text.trim().split(/\s+/).length, STEADY_TOKENS, text);
});

void test('a generation that produces no token is stopped after the batch timeout, and the model serves again', async () => {
  const started = performance.now();
  const response = await server.request('/v1/completions', json({ model: 'admin/stalled', prompt: 'one', max_tokens: 5 }));
  const body = await response.text();
  assert.equal(response.status, 504, body);
  assert.match(body, /produced no token for 2000 ms/);
  assert.ok(performance.now() - started < BATCH_TIMEOUT_MS + 60_000, 'the stalled generation was stopped');
  const steady = await server.request('/v1/completions', json({ model: 'admin/steady', prompt: 'one', max_tokens: 3 }));
  assert.equal(steady.status, 200, await steady.clone().text());
});
