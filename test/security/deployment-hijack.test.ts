// Deployments attacked by a second user (issue 18, Medium 4): a user with a write token must not
// deploy someone else's model (which would pin an old commit, a long queue delay and a queue of one
// for everyone calling that model), must not make a deployment `required` (which turns /readyz 503
// for the whole server), and the model's own routes answer as its owner decided: only a `default`
// deployment serves them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { tinyTextClassifier } from '../fixtures/tiny-models.js';
import { createUserWithToken, startTestServer, type TestServer } from '../helpers/moda-server.js';

let server: TestServer;
let alice = '';
let mallory = '';
let first = '';
let latest = '';
const sentiment = tinyTextClassifier();

const send = (method: string, body: unknown, token?: string) => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...(token !== undefined && { token }) });
const head = async (repo: string) => ((await (await server.request(`/api/models/${repo}/revision/main`)).json()) as { sha: string }).sha;
/** The commit that answers a call to the model's own route, as any user makes it. */
const servedCommit = async (repo: string) => {
  const response = await server.request(`/api/v1/models/${repo}/pipeline`, send('POST', { input: 'good' }, alice));
  assert.equal(response.status, 200, await response.clone().text());
  return response.headers.get('x-model-commit');
};

async function publish(repo: string, token: string): Promise<void> {
  const [owner, name] = repo.split('/');
  const created = await server.request('/api/repos/create', send('POST', { name, ...(owner === 'admin' ? { organization: 'admin' } : {}) }, token));
  assert.equal(created.status, 200, await created.clone().text());
  await uploadFiles({ repo, accessToken: token, hubUrl: server.url, files: sentiment.files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
}

before(async () => {
  server = await startTestServer();
  alice = await createUserWithToken(server, 'alice', 'write');
  mallory = await createUserWithToken(server, 'mallory', 'write');
  await publish('alice/sentiment', alice);
  first = await head('alice/sentiment');
  await uploadFiles({ repo: 'alice/sentiment', accessToken: alice, hubUrl: server.url, files: [{ path: 'NOTES.md', content: new Blob(['v2']) }] });
  latest = await head('alice/sentiment');
  await publish('mallory/own', mallory);
});

after(() => server.stop());

async function expectError(response: Response, status: number, code: string): Promise<void> {
  const body = (await response.json()) as { code: string };
  assert.equal(response.status, status, JSON.stringify(body));
  assert.equal(body.code, code);
}

void test("another user cannot deploy a model they may only read, and the model's route is unaffected", async () => {
  await expectError(await server.request('/api/v1/deployments', send('POST', { model: 'alice/sentiment', name: 'hijack', revision: first, batching: { max_queue: 1, max_queue_delay_ms: 10_000 } }, mallory)), 403, 'AUTH_FORBIDDEN');
  assert.equal((await server.request('/api/v1/deployments/hijack')).status, 404, 'nothing was stored');
  assert.equal(await servedCommit('alice/sentiment'), latest, 'the owner\'s route still serves main');
  // Nor can the stranger change or remove the owner's deployment.
  const own = await server.request('/api/v1/deployments', send('POST', { model: 'alice/sentiment', name: 'alice-sentiment' }, alice));
  assert.equal(own.status, 201, await own.clone().text());
  await expectError(await server.request('/api/v1/deployments/alice-sentiment', send('PATCH', { revision: first, batching: { max_queue: 1 } }, mallory)), 403, 'AUTH_FORBIDDEN');
  await expectError(await server.request('/api/v1/deployments/alice-sentiment', { method: 'DELETE', token: mallory }), 403, 'AUTH_FORBIDDEN');
  assert.equal(((await (await server.request('/api/v1/deployments/alice-sentiment')).json()) as { commit: string }).commit, latest);
  assert.equal((await server.request('/api/v1/deployments/alice-sentiment', { method: 'DELETE', token: alice })).status, 204);
});

void test('required is for site admins only, and an idle required deployment keeps /readyz ready', async () => {
  await expectError(await server.request('/api/v1/deployments', send('POST', { model: 'mallory/own', name: 'down', required: true, keep_alive: '1s' }, mallory)), 403, 'AUTH_FORBIDDEN');
  assert.equal((await server.request('/api/v1/deployments/down')).status, 404);
  const plain = await server.request('/api/v1/deployments', send('POST', { model: 'mallory/own', name: 'mine', keep_alive: '1s' }, mallory));
  assert.equal(plain.status, 201, await plain.clone().text());
  await expectError(await server.request('/api/v1/deployments/mine', send('PATCH', { required: true }, mallory)), 403, 'AUTH_FORBIDDEN');
  assert.equal((await server.request('/readyz', { token: null })).status, 200);

  // An admin may; once the model idles out by its own keep_alive the server is still ready.
  const required = await server.request('/api/v1/deployments/mine', send('PATCH', { required: true }));
  assert.equal(required.status, 200, await required.clone().text());
  const deadline = Date.now() + 15_000;
  let state = '';
  while (state !== 'idle' && Date.now() < deadline) {
    state = ((await (await server.request('/api/v1/deployments/mine')).json()) as { state: string }).state;
    if (state !== 'idle') await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.equal(state, 'idle');
  assert.equal((await server.request('/readyz', { token: null })).status, 200);
  // The owner may still change other settings; only `required` stays the admin's.
  assert.equal((await server.request('/api/v1/deployments/mine', send('PATCH', { keep_alive: '2s' }, mallory))).status, 200);
  await expectError(await server.request('/api/v1/deployments/mine', send('PATCH', { required: false }, mallory)), 403, 'AUTH_FORBIDDEN');
  assert.equal((await server.request('/api/v1/deployments/mine', { method: 'DELETE', token: mallory })).status, 204);
});

void test("a deployment serves the model's own route only when it is the default", async () => {
  const pinned = await server.request('/api/v1/deployments', send('POST', { model: 'alice/sentiment', name: 'pinned', revision: first, default: false }, alice));
  assert.equal(pinned.status, 201, await pinned.clone().text());
  assert.equal(((await pinned.json()) as { default: boolean }).default, false);
  assert.equal(await servedCommit('alice/sentiment'), latest, 'a non-default deployment leaves the route alone');
  const promoted = await server.request('/api/v1/deployments/pinned', send('PATCH', { default: true }, alice));
  assert.equal(promoted.status, 200, await promoted.clone().text());
  assert.equal(await servedCommit('alice/sentiment'), first, 'the owner made it the default');
  await expectError(await server.request('/api/v1/deployments/pinned', send('PATCH', { default: 'yes' }, alice)), 400, 'VALIDATION_FAILED');
  assert.equal((await server.request('/api/v1/deployments/pinned', { method: 'DELETE', token: alice })).status, 204);
  assert.equal(await servedCommit('alice/sentiment'), latest);
});
