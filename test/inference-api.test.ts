// The native inference API over HTTP on tiny models built by the test: JSON and raw-binary bodies,
// one input or a batch, revision pinning, private models, concurrent requests answered correctly,
// and every bad input with its status and code while the model keeps serving.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { tinyTextClassifier, type ModelFile } from './fixtures/tiny-models.js';
import { solidColorPng, tinyImageClassifier } from './fixtures/tiny-task-models.js';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
const sentiment = tinyTextClassifier();
const colours = tinyImageClassifier();

async function publish(name: string, files: ModelFile[], isPrivate = false): Promise<void> {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, organization: 'admin', private: isPrivate }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: `admin/${name}`, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
}

function infer(repo: string, body: unknown, init: { token?: string | null; headers?: Record<string, string> } = {}): Promise<Response> {
  return server.request(`/api/v1/models/${repo}/pipeline`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
    ...(init.token !== undefined && { token: init.token }),
  });
}

before(async () => {
  server = await startTestServer({ maxInferenceBytes: 256 * 1024 });
  await publish('sentiment', sentiment.files);
  await publish('colours', colours.files);
  await publish('secret-sentiment', sentiment.files, true);
});

after(() => server.stop());

void test('one input and a batch, answered in the task output schema with the commit that ran', async () => {
  const single = await infer('admin/sentiment', { input: 'great movie', parameters: { top_k: 1 } });
  assert.equal(single.status, 200, await single.clone().text());
  const head = ((await (await server.request('/api/models/admin/sentiment/revision/main')).json()) as { sha: string }).sha;
  assert.equal(single.headers.get('x-model-commit'), head);
  assert.match(single.headers.get('server-timing') ?? '', /^inference;dur=\d+\.\d$/);
  const one = (await single.json()) as { model: string; revision: string; task: string; output: { label: string; score: number }[] };
  assert.deepEqual({ model: one.model, revision: one.revision, task: one.task }, { model: 'admin/sentiment', revision: head, task: 'text-classification' });
  assert.equal(one.output.length, 1);
  assert.equal(one.output[0]?.label, 'POSITIVE');
  assert.ok(Math.abs((one.output[0]?.score ?? 0) - (sentiment.expected('great movie')[0]?.score ?? 0)) < 1e-4);

  const batch = (await (await infer('admin/sentiment', { inputs: ['awful', 'good good'] })).json()) as { outputs: { label: string }[][] };
  assert.deepEqual(batch.outputs.map((labels) => labels[0]?.label), ['NEGATIVE', 'POSITIVE']);
  assert.equal(batch.outputs[0]?.length, 2, 'every label by default');
});

void test('images as a raw body, base64 or a data URI', async () => {
  const red = await solidColorPng([230, 20, 20]);
  const raw = await infer('admin/colours', new Uint8Array(red), { headers: { 'content-type': 'image/png' } });
  assert.equal(raw.status, 200, await raw.clone().text());
  assert.equal(((await raw.json()) as { output: { label: string }[] }).output[0]?.label, 'red');
  const green = await solidColorPng([10, 220, 10]);
  const json = (await (await infer('admin/colours', { inputs: [green.toString('base64'), `data:image/png;base64,${red.toString('base64')}`], parameters: { top_k: 1 } })).json()) as { outputs: { label: string; score: number }[][] };
  assert.deepEqual(json.outputs.map((labels) => labels.map((entry) => entry.label)), [['green'], ['red']]);
  assert.ok(json.outputs.every((labels) => (labels[0]?.score ?? 0) > 0.3));
  const rawWithParameters = await server.request('/api/v1/models/admin/colours/pipeline?parameters=%7B%22top_k%22%3A2%7D', { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(red) });
  assert.equal(((await rawWithParameters.json()) as { output: unknown[] }).output.length, 2);
});

void test('a revision pins the commit; a new push is served on the next request to main', async () => {
  const before = ((await (await server.request('/api/models/admin/sentiment/revision/main')).json()) as { sha: string }).sha;
  await uploadFiles({ repo: 'admin/sentiment', accessToken: ADMIN_TOKEN, hubUrl: server.url, files: [{ path: 'NOTES.md', content: new Blob(['v2']) }] });
  const after = ((await (await server.request('/api/models/admin/sentiment/revision/main')).json()) as { sha: string }).sha;
  assert.notEqual(before, after);
  const pinned = await infer('admin/sentiment', { input: 'good', revision: before });
  assert.equal(pinned.headers.get('x-model-commit'), before);
  await new Promise((resolve) => setTimeout(resolve, 1100)); // the 1 s branch-head cache
  const latest = await infer('admin/sentiment', { input: 'good' });
  assert.equal(latest.headers.get('x-model-commit'), after);
});

void test('a private model is served only to tokens that can read it', async () => {
  assert.equal((await infer('admin/secret-sentiment', { input: 'good' })).status, 200);
  const anonymous = await infer('admin/secret-sentiment', { input: 'good' }, { token: null });
  assert.equal(anonymous.status, 404);
  const stranger = await createUserWithToken(server, 'stranger', 'read');
  assert.equal((await infer('admin/secret-sentiment', { input: 'good' }, { token: stranger })).status, 404);
});

void test('a model made private and a revoked token are seen on the very next request, though the route caches repo rows and tokens', async () => {
  await publish('turns-private', sentiment.files);
  // Served (and its repo row, head and model cached) for anonymous callers first.
  for (let i = 0; i < 3; i++) assert.equal((await infer('admin/turns-private', { input: 'good' }, { token: null })).status, 200);
  const settings = await server.request('/api/models/admin/turns-private/settings', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ private: true }) });
  assert.equal(settings.status, 200, await settings.clone().text());
  const hidden = await infer('admin/turns-private', { input: 'good' }, { token: null });
  assert.equal(hidden.status, 404);
  assert.equal(((await hidden.json()) as { code: string }).code, 'HUB_REPO_NOT_FOUND');

  const created = (await (await server.request('/api/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'reader', role: 'read' }) })).json()) as { id: string; token: string };
  for (let i = 0; i < 3; i++) assert.equal((await infer('admin/turns-private', { input: 'good' }, { token: created.token })).status, 200);
  assert.equal((await server.request(`/api/tokens/${created.id}`, { method: 'DELETE' })).status, 200);
  const revoked = await infer('admin/turns-private', { input: 'good' }, { token: created.token });
  assert.equal(revoked.status, 401);
  assert.equal(((await revoked.json()) as { code: string }).code, 'AUTH_INVALID_TOKEN');
});

void test('32 concurrent requests each get their own answer', async () => {
  const texts = Array.from({ length: 32 }, (_, index) => (index % 3 === 0 ? 'awful bad' : index % 3 === 1 ? 'great good' : 'not good'));
  const answers = await Promise.all(texts.map(async (text) => ((await (await infer('admin/sentiment', { input: text })).json()) as { output: { label: string; score: number }[] }).output));
  answers.forEach((output, index) => {
    const expected = sentiment.expected(texts[index] ?? '');
    assert.equal(output[0]?.label, expected[0]?.label);
    assert.ok(Math.abs((output[0]?.score ?? 0) - (expected[0]?.score ?? 0)) < 1e-4);
  });
});

void test('bad input: status, stable code and the failing path; the model keeps serving', async () => {
  const expectError = async (response: Response, status: number, code: string, message?: RegExp) => {
    const body = (await response.json()) as { code: string; error: string };
    assert.equal(response.status, status, JSON.stringify(body));
    assert.equal(body.code, code);
    if (message) assert.match(body.error, message);
  };
  await expectError(await infer('admin/nope', { input: 'x' }), 404, 'HUB_REPO_NOT_FOUND');
  await expectError(await infer('admin/sentiment', { input: 42 }), 400, 'TASK_INPUT_INVALID', /\/inputs\/0/);
  await expectError(await infer('admin/sentiment', { input: 'x', parameters: { top_k: 'many' } }), 400, 'TASK_INPUT_INVALID', /top_k/);
  await expectError(await infer('admin/sentiment', { inputs: [] }), 400, 'BATCH_EMPTY');
  await expectError(await infer('admin/sentiment', { inputs: 'x' }), 400, 'TASK_INPUT_INVALID');
  await expectError(await infer('admin/sentiment', { nothing: true }), 400, 'TASK_INPUT_INVALID');
  await expectError(await infer('admin/sentiment', '{"input": "x"'), 400, 'BAD_REQUEST');
  await expectError(await infer('admin/sentiment', { input: 'x', task: 'object-detection' }), 422, 'TASK_MISMATCH');
  await expectError(await infer('admin/sentiment', { input: 'x', task: 'juggling' }), 404, 'TASK_UNKNOWN');
  await expectError(await infer('admin/sentiment', { input: 'x', revision: 'no-such-branch' }), 404, 'HUB_REVISION_NOT_FOUND');
  // A query name given twice parses as an array: a client error, never a 500.
  await expectError(await server.request('/api/v1/models/admin/colours/pipeline?revision=main&revision=v2', { method: 'POST', headers: { 'content-type': 'image/png' }, body: await solidColorPng([0, 0, 255]) }), 400, 'TASK_INPUT_INVALID', /revision/);
  await expectError(await server.request('/api/v1/models/admin/colours/pipeline?task=a&task=b', { method: 'POST', headers: { 'content-type': 'image/png' }, body: await solidColorPng([0, 0, 255]) }), 400, 'TASK_INPUT_INVALID', /task/);
  await expectError(await infer('admin/sentiment', { input: 'x'.repeat(300 * 1024) }), 413, 'BODY_TOO_LARGE');
  await expectError(await infer('admin/sentiment', { input: 'x' }, { headers: { 'x-request-timeout': 'soon' } }), 400, 'BAD_REQUEST');
  await expectError(await infer('admin/colours', new Uint8Array([1, 2, 3, 4]), { headers: { 'content-type': 'image/png' } }), 400, 'IMAGE_DECODE_FAILED');
  // A bad image sharing a batch with good ones fails alone.
  const good = (await solidColorPng([0, 0, 255])).toString('base64');
  const mixed = await Promise.all([infer('admin/colours', { input: good }), infer('admin/colours', { input: 'AAAA' }), infer('admin/colours', { input: good })]);
  assert.deepEqual(mixed.map((response) => response.status), [200, 400, 200]);
  assert.equal((await infer('admin/sentiment', { input: 'good' })).status, 200);
});
