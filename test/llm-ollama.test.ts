// The Ollama-compatible API through the official `ollama` client pointed at Moda, on a tiny seeded
// GGUF llama: streamed NDJSON chat and generate, options, format by grammar, embed (and the OpenAI
// embeddings route on the same GGUF), tags/show/ps/pull, keep_alive, and the rule that keeps
// Ollama's /api/* paths apart from the Hugging Face routes under /api/.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { OLLAMA_PATHS } from '../src/protocols/ollama/ollama-routes.js';
import { tinyLlamaGguf } from './fixtures/tiny-gguf.js';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let ollama: Ollama;
const MODEL = 'admin/tiny';
const MESSAGES = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Tell me about rivers.' },
];

before(async () => {
  server = await startTestServer({ threads: 1, llmParallel: 2, llmContext: 512 });
  ollama = new Ollama({ host: server.url });
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'tiny', organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: MODEL, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: [{ path: 'tiny-Q8_0.gguf', content: new Blob([tinyLlamaGguf({ type: 'Q8_0' })]) }] });
});

after(() => server.stop());

// Fastify refuses to start with two routes of one method and path, so a Hugging Face route added at an
// Ollama path fails every server start; this checks each Ollama path is served and the Hub's beside it.
void test("Ollama's paths are served beside the Hugging Face routes under /api/", () => {
  const routes = server.app.printRoutes({ commonPrefix: false });
  for (const path of OLLAMA_PATHS) {
    const lines = routes.split('\n').filter((line) => line.includes(path.slice(1)) && new RegExp(`${path.slice('/api/'.length)}\\b`).test(line));
    assert.ok(lines.length >= 1, `${path} is served`);
  }
  // /api/models (the Hugging Face list) still answers in the Hub's shape next to Ollama's /api/tags.
  return server.request('/api/models').then(async (response) => assert.ok(Array.isArray(await response.json())));
});

void test('chat streams NDJSON pieces that add up to the answer, then a done line with counts and durations', async () => {
  const whole = await ollama.chat({ model: MODEL, messages: MESSAGES, stream: false, options: { temperature: 0, num_predict: 8 } });
  assert.equal(whole.done, true);
  assert.equal(whole.message.role, 'assistant');
  assert.ok(whole.eval_count <= 8 && whole.eval_count >= 1);
  assert.ok(whole.prompt_eval_count > 5);
  assert.ok(['stop', 'length'].includes(whole.done_reason));
  const parts = [];
  for await (const part of await ollama.chat({ model: MODEL, messages: MESSAGES, stream: true, options: { temperature: 0, num_predict: 8 } })) parts.push(part);
  const last = parts.at(-1);
  assert.equal(last?.done, true);
  assert.ok(parts.slice(0, -1).every((part) => part.done === false));
  assert.equal(parts.map((part) => part.message.content).join(''), whole.message.content);
  assert.equal(last?.eval_count, whole.eval_count);
  assert.ok((last?.total_duration ?? 0) > 0);
});

void test('generate with seed and options is reproducible; format json gives parseable JSON; a JSON Schema format matches', async () => {
  const ask = () => ollama.generate({ model: MODEL, prompt: 'Why is the sky blue?', stream: false, options: { seed: 42, temperature: 1, top_k: 20, num_predict: 10 } });
  const first = await ask();
  assert.equal((await ask()).response, first.response);
  const schema = { type: 'object', properties: { answer: { enum: ['yes', 'no'] }, sure: { type: 'boolean' } }, required: ['answer', 'sure'] };
  const formatted = await ollama.generate({ model: MODEL, prompt: 'Is water wet?', stream: false, format: schema, options: { seed: 1, num_predict: 100 } });
  const parsed = JSON.parse(formatted.response ?? '') as { answer: string; sure: boolean };
  assert.ok(['yes', 'no'].includes(parsed.answer) && typeof parsed.sure === 'boolean', formatted.response);
  assert.equal(formatted.done_reason, 'stop');
});

void test('tags, show, ps and pull describe the GGUF models; keep_alive 0 unloads after the request', async () => {
  assert.ok((await ollama.list()).models.some((model) => model.name === `${MODEL}:latest`));
  const shown = await ollama.show({ model: MODEL });
  assert.equal(shown.details.format, 'gguf');
  assert.equal(shown.details.quantization_level, 'Q8_0');
  assert.equal(shown.details.family, 'llama');
  const pulled = [];
  for await (const progress of await ollama.pull({ model: MODEL, stream: true })) pulled.push(progress.status);
  assert.equal(pulled.at(-1), 'success');
  await assert.rejects(ollama.pull({ model: 'admin/missing' }), /not found|does not exist/i);

  await ollama.generate({ model: MODEL, prompt: 'hi', stream: false, keep_alive: '10m', options: { num_predict: 2 } });
  const loaded = (await ollama.ps()).models.find((model) => model.name === `${MODEL}:Q8_0`);
  assert.ok(loaded, 'the model is listed while loaded');
  assert.ok(loaded.size > 0);
  assert.ok(Date.parse(String(loaded.expires_at)) - Date.now() > 5 * 60_000);
  await ollama.generate({ model: MODEL, prompt: 'hi', stream: false, keep_alive: 0, options: { num_predict: 2 } });
  for (let wait = 0; wait < 100 && (await ollama.ps()).models.some((model) => model.name === `${MODEL}:Q8_0`); wait++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(!(await ollama.ps()).models.some((model) => model.name === `${MODEL}:Q8_0`), 'keep_alive 0 unloaded it');
});

void test('embed (Ollama) and embeddings (OpenAI) run the GGUF as an embedding model: one unit vector per input', async () => {
  const embedded = await ollama.embed({ model: MODEL, input: ['rivers run', 'to the sea'] });
  assert.equal(embedded.embeddings.length, 2);
  for (const vector of embedded.embeddings) {
    assert.equal(vector.length, 64);
    assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-4);
  }
  assert.ok(embedded.prompt_eval_count > 2);
  const openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: ADMIN_TOKEN, maxRetries: 0 });
  const viaOpenAi = await openai.embeddings.create({ model: MODEL, input: 'rivers run', encoding_format: 'float' });
  const first = embedded.embeddings[0] ?? [];
  viaOpenAi.data[0]?.embedding.forEach((value, index) => assert.ok(Math.abs(value - (first[index] ?? NaN)) < 1e-4));
});

void test('errors come back as Ollama\'s {error}: an unknown model, a bad option', async () => {
  await assert.rejects(ollama.chat({ model: 'admin/missing', messages: MESSAGES }), (error: Error & { status_code?: number }) => error.status_code === 404);
  await assert.rejects(ollama.generate({ model: MODEL, prompt: 'x', stream: false, options: { temperature: 'hot' as unknown as number } }), (error: Error & { status_code?: number }) => error.status_code === 400 && /temperature/.test(error.message));
});

void test("a read-only token may chat, generate, embed and show through Ollama's routes, but not pull", async () => {
  const reader = await createUserWithToken(server, 'reader', 'read');
  const client = new Ollama({ host: server.url, headers: { authorization: `Bearer ${reader}` } });
  const chat = await client.chat({ model: MODEL, messages: MESSAGES, stream: false, options: { temperature: 0, num_predict: 2 } });
  assert.equal(chat.done, true);
  const generated = await client.generate({ model: MODEL, prompt: 'Hi', stream: false, options: { num_predict: 2 } });
  assert.equal(generated.done, true);
  assert.ok((await client.show({ model: MODEL })).modelfile !== undefined);
  const pull = await server.request('/api/pull', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, stream: false }), token: reader });
  assert.equal(pull.status, 403);
});

void test('done_reason: stop when the model ends its answer itself (end token), length only when num_predict cuts it', async () => {
  const scripted = 'admin/scripted';
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'scripted', organization: 'admin' }) });
  assert.equal(created.status, 200);
  // This model answers " the sea." and then its end token (<|im_end|>), whatever it is asked.
  await uploadFiles({ repo: scripted, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: [{ path: 'scripted-Q8_0.gguf', content: new Blob([tinyLlamaGguf({ type: 'Q8_0', answer: ['▁the', '▁sea', '.'] })]) }] });
  const ended = await ollama.chat({ model: scripted, messages: MESSAGES, stream: false, options: { num_predict: 50 } });
  assert.equal(ended.message.content.trim(), 'the sea.');
  assert.equal(ended.done_reason, 'stop');
  assert.equal(ended.eval_count, 4);
  const cut = await ollama.chat({ model: scripted, messages: MESSAGES, stream: false, options: { num_predict: 2 } });
  assert.equal(cut.done_reason, 'length');
  assert.equal(cut.eval_count, 2);
  const parts = [];
  for await (const part of await ollama.chat({ model: scripted, messages: MESSAGES, stream: true, options: { num_predict: 50 } })) parts.push(part);
  assert.equal(parts.map((part) => part.message.content).join(''), ended.message.content);
  assert.equal(parts.at(-1)?.done_reason, 'stop');
  const generated = await ollama.generate({ model: scripted, prompt: 'Tell me something.', stream: false, options: { num_predict: 50 } });
  assert.equal(generated.done_reason, 'stop');
});
