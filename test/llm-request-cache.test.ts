// What the request path of the LLM routes caches (the token's actor, the repo row, the branch head,
// the snapshot and the loaded model) never outlives the write that changes it: a revoked token is
// refused at once, a commit pushed to the model is what the next request runs, and a repo made
// private or deleted is refused to the next request — each checked right after the write, well
// inside the caches' 1 s life, through the official openai client.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import OpenAI, { AuthenticationError, NotFoundError } from 'openai';
import { tinyLlamaGguf } from './fixtures/tiny-gguf.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
const MODEL = 'admin/cached';
const MESSAGES = [{ role: 'user' as const, content: 'Say something.' }];

function clientWith(apiKey: string): OpenAI {
  return new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 });
}

async function upload(gguf: Uint8Array): Promise<void> {
  await uploadFiles({ repo: MODEL, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: [{ path: 'cached-Q8_0.gguf', content: new Blob([gguf]) }] });
}

async function headCommit(): Promise<string> {
  const info = (await (await server.request(`/api/models/${MODEL}/revision/main`)).json()) as { sha: string };
  return info.sha;
}

before(async () => {
  server = await startTestServer({ threads: 1, llmParallel: 2, llmContext: 256 });
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'cached', organization: 'admin' }) });
  assert.equal(created.status, 200);
  await upload(tinyLlamaGguf({ type: 'Q8_0' }));
});

after(() => server.stop());

void test('a revoked token is refused by the very next request', async () => {
  const made = await server.request('/api/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'chat', role: 'read' }) });
  const { token, id } = (await made.json()) as { token: string; id: string };
  const client = clientWith(token);
  // Twice, so the token's actor is cached when it is revoked.
  for (let round = 0; round < 2; round++) assert.equal((await client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: 1 })).usage?.completion_tokens, 1);
  assert.equal((await server.request(`/api/tokens/${id}`, { method: 'DELETE' })).status, 200);
  await assert.rejects(client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: 1 }), AuthenticationError);
});

void test('a commit pushed to the model is what the next request runs', async () => {
  const client = clientWith(ADMIN_TOKEN);
  const before = await client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: 4, temperature: 0 });
  assert.equal(before.system_fingerprint, `moda-${(await headCommit()).slice(0, 12)}`);
  // The same file name, now a model that answers " the sea." and stops.
  await upload(tinyLlamaGguf({ type: 'Q8_0', answer: ['▁the', '▁sea', '.'] }));
  const after = await client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: 10, temperature: 0 });
  assert.equal(after.system_fingerprint, `moda-${(await headCommit()).slice(0, 12)}`);
  assert.notEqual(after.system_fingerprint, before.system_fingerprint);
  assert.equal(after.choices[0]?.message.content?.trim(), 'the sea.');
  assert.equal(after.choices[0]?.finish_reason, 'stop');
});

void test('a model made private is refused to the next anonymous request, and served again once public', async () => {
  // No token at all (the openai client always sends one): a plain request.
  const anonymous = () => fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, messages: MESSAGES, max_tokens: 1 }) });
  const settings = (visibility: boolean) => server.request(`/api/models/${MODEL}/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ private: visibility }) });
  assert.equal((await anonymous()).status, 200);
  assert.equal((await settings(true)).status, 200);
  const refused = await anonymous();
  assert.equal(refused.status, 404);
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'model_not_found');
  // The owner still reads it.
  assert.equal((await clientWith(ADMIN_TOKEN).chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: 1 })).usage?.completion_tokens, 1);
  assert.equal((await settings(false)).status, 200);
  assert.equal((await anonymous()).status, 200);
});

void test('a deleted model is not found by the next request', async () => {
  const client = clientWith(ADMIN_TOKEN);
  assert.equal((await client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: 1 })).usage?.completion_tokens, 1);
  const deleted = await server.request('/api/repos/delete', { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'cached', organization: 'admin', type: 'model' }) });
  assert.equal(deleted.status, 200);
  await assert.rejects(client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: 1 }), NotFoundError);
});
