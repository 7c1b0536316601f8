// What a stranger (anonymous, or a second user's token) must not learn: private model names from
// /metrics, other users' emails, who belongs to an organization.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { tinyTextClassifier } from '../fixtures/tiny-models.js';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from '../helpers/moda-server.js';

let server: TestServer;
let alice: string;
let mallory: string;
const json = { 'content-type': 'application/json' };

before(async () => {
  server = await startTestServer();
  const user = await server.request('/api/users', { method: 'POST', headers: json, body: JSON.stringify({ name: 'alice', email: 'alice@example.com' }) });
  assert.equal(user.status, 201, await user.text());
  const token = await server.request('/api/tokens', { method: 'POST', headers: json, body: JSON.stringify({ name: 't', role: 'write', user: 'alice' }) });
  alice = ((await token.json()) as { token: string }).token;
  mallory = await createUserWithToken(server, 'mallory');
  assert.equal((await server.request('/api/organizations', { method: 'POST', token: alice, headers: json, body: JSON.stringify({ name: 'secret-team' }) })).status, 201);
  // A private model that has run once: its name is now a label of the inference series.
  assert.equal((await server.request('/api/repos/create', { method: 'POST', token: alice, headers: json, body: JSON.stringify({ name: 'stealth-model', private: true }) })).status, 200);
  await uploadFiles({ repo: 'alice/stealth-model', accessToken: alice, hubUrl: server.url, files: tinyTextClassifier().files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
  const run = await server.request('/api/v1/models/alice/stealth-model/pipeline', { method: 'POST', token: alice, headers: json, body: JSON.stringify({ input: 'a good day' }) });
  assert.equal(run.status, 200, await run.text());
});
after(async () => server.stop());

void test('/metrics names private models only to an admin token', async () => {
  for (const token of [null, mallory, alice]) {
    const text = await (await server.request('/metrics', { token })).text();
    assert.doesNotMatch(text, /stealth-model/);
    assert.match(text, /moda_inference_requests_total\{model="\(private\)",task="text-classification",status="200"\} 1/);
  }
  assert.match(await (await server.request('/metrics')).text(), /model="alice\/stealth-model"/);
});

void test("a user's email is shown to that user and admins only", async () => {
  for (const token of [null, mallory]) {
    const overview = (await (await server.request('/api/users/alice/overview', { token })).json()) as Record<string, unknown>;
    assert.equal(overview.name, 'alice');
    assert.equal('email' in overview, false, JSON.stringify(overview));
  }
  for (const token of [alice, ADMIN_TOKEN]) assert.equal(((await (await server.request('/api/users/alice/overview', { token })).json()) as { email: string }).email, 'alice@example.com');
});

void test('organization members are listed to members and admins only (MODA_PUBLIC_ORG_MEMBERS=0)', async () => {
  for (const token of [null, mallory]) {
    const members = await server.request('/api/organizations/secret-team/members', { token });
    assert.equal(members.status, 403);
    assert.doesNotMatch(await members.text(), /alice/);
  }
  for (const token of [alice, ADMIN_TOKEN]) assert.equal((await server.request('/api/organizations/secret-team/members', { token })).status, 200);
});

void test('an error about a private dataset looked up by Id does not name it', async () => {
  assert.equal((await server.request('/api/repos/create', { method: 'POST', token: alice, headers: json, body: JSON.stringify({ name: 'hidden-corpus', type: 'dataset', private: true }) })).status, 200);
  const info = await server.request('/api/v1/datasets/alice/hidden-corpus', { token: alice });
  const id = ((await info.json()) as { Data: { Id: string | number } }).Data.Id;
  for (const token of [null, mallory]) {
    const tree = await server.request(`/api/v1/datasets/${id}/repo/tree`, { token });
    assert.ok(tree.status === 404 || tree.status === 401, String(tree.status));
    const text = await tree.text();
    assert.doesNotMatch(text + (tree.headers.get('x-error-message') ?? ''), /hidden-corpus|alice/);
  }
});
