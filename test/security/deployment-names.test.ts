// Deployment names are global (issue 18, Low 10): a second user choosing a name that another
// user's deployment of a private model holds must not learn that model's name, commit or
// settings, and a default name (`owner--model`) must not let them probe for private models.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { tinyTextClassifier } from '../fixtures/tiny-models.js';
import { createUserWithToken, startTestServer, type TestServer } from '../helpers/moda-server.js';

let server: TestServer;
let alice = '';
let bob = '';
let commit = '';
const sentiment = tinyTextClassifier();

const send = (method: string, body: unknown, token: string) => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), token });

async function publish(repo: string, token: string, isPrivate: boolean): Promise<void> {
  const name = repo.split('/')[1];
  const created = await server.request('/api/repos/create', send('POST', { name, private: isPrivate }, token));
  assert.equal(created.status, 200, await created.clone().text());
  await uploadFiles({ repo, accessToken: token, hubUrl: server.url, files: sentiment.files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
}

before(async () => {
  server = await startTestServer();
  alice = await createUserWithToken(server, 'alice', 'write');
  bob = await createUserWithToken(server, 'bob', 'write');
  await publish('alice/secret-model', alice, true);
  await publish('bob/own', bob, false);
  const custom = await server.request('/api/v1/deployments', send('POST', { model: 'alice/secret-model', name: 'shared-name', batching: { max_queue: 7 } }, alice));
  assert.equal(custom.status, 201, await custom.clone().text());
  commit = ((await custom.json()) as { commit: string }).commit;
  const byDefault = await server.request('/api/v1/deployments', send('POST', { model: 'alice/secret-model' }, alice));
  assert.equal(byDefault.status, 201, await byDefault.clone().text());
});

after(() => server.stop());

/** Fails when a body names the private model, its commit or its settings. */
function assertReveals(text: string, what: string): void {
  for (const secret of ['secret-model', commit, 'max_queue', 'created_by']) assert.ok(!text.includes(secret), `${what} reveals ${secret}: ${text}`);
}

void test('a taken name answers a 409 that tells nothing about the other deployment', async () => {
  const response = await server.request('/api/v1/deployments', send('POST', { model: 'bob/own', name: 'shared-name' }, bob));
  const text = await response.text();
  assert.equal(response.status, 409, text);
  assert.equal((JSON.parse(text) as { code: string }).code, 'HUB_NAME_TAKEN');
  assertReveals(text, 'the 409');
});

void test("another user's default name cannot be probed: a taken and a free one answer alike", async () => {
  const taken = await server.request('/api/v1/deployments', send('POST', { model: 'bob/own', name: 'alice--secret-model' }, bob));
  const free = await server.request('/api/v1/deployments', send('POST', { model: 'bob/own', name: 'alice--no-such-model' }, bob));
  const takenBody = (await taken.json()) as { code: string; message: string };
  const freeBody = (await free.json()) as { code: string; message: string };
  assert.equal(taken.status, free.status, `taken ${JSON.stringify(takenBody)} vs free ${JSON.stringify(freeBody)}`);
  assert.equal(takenBody.code, freeBody.code);
  assert.equal(taken.status, 400);
  assert.equal((await server.request('/api/v1/deployments/alice--no-such-model', { token: alice })).status, 404, 'nothing was stored');
  // The owner's own default names keep working.
  const mine = await server.request('/api/v1/deployments', send('POST', { model: 'bob/own' }, bob));
  assert.equal(mine.status, 201, await mine.clone().text());
  assert.equal(((await mine.json()) as { name: string }).name, 'bob--own');
});

void test("get, list, PATCH and DELETE of another's private deployment answer as for a missing one", async () => {
  for (const name of ['shared-name', 'alice--secret-model']) {
    for (const [method, body] of [['GET', undefined], ['PATCH', { batching: { max_queue: 1 } }], ['DELETE', undefined]] as const) {
      const init = body === undefined ? { method, token: bob } : send(method, body, bob);
      const hidden = await server.request(`/api/v1/deployments/${name}`, init);
      const missing = await server.request('/api/v1/deployments/never-was', init);
      const hiddenText = await hidden.text();
      assert.equal(hidden.status, 404, `${method} ${name}: ${hiddenText}`);
      assert.equal(hiddenText.replace(name, 'X'), (await missing.text()).replace('never-was', 'X'), `${method} ${name} answers like a missing deployment`);
      assertReveals(hiddenText.replace(name, 'X'), `${method} ${name}`);
    }
  }
  const list = await server.request('/api/v1/deployments', { token: bob });
  const listText = await list.text();
  assert.equal(list.status, 200);
  const listed = (JSON.parse(listText) as { deployments: { name: string }[] }).deployments.map((deployment) => deployment.name);
  assert.deepEqual(listed, ['bob--own'], 'the list shows only what bob can read');
  assert.ok(!listText.includes('secret-model') && !listText.includes(commit) && !listText.includes('shared-name'), listText);
  // The owner still sees and manages both, unchanged by the attempts.
  const own = (await (await server.request('/api/v1/deployments/shared-name', { token: alice })).json()) as { model: string; batching: { max_queue: number } };
  assert.equal(own.model, 'alice/secret-model');
  assert.equal(own.batching.max_queue, 7);
});
