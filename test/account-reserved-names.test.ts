// User and organization names that would shadow the web UI's pages or the API's prefixes are
// refused over HTTP with VALIDATION_FAILED (the code invalid names already get), in any letter case,
// and nothing is created; the server's list of non-repo prefixes stays inside the hub's list.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RESERVED_NAMESPACE_NAMES } from '../src/hub/accounts/reserved-names.js';
import { RESERVED_NAMESPACES } from '../src/server/web-ui.js';
import { startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;

const post = (path: string, body: unknown) => server.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

before(async () => {
  server = await startTestServer();
});

after(async () => {
  await server.stop();
});

void test('every prefix the server keeps from repo pages is reserved in the hub too', () => {
  for (const name of RESERVED_NAMESPACES) assert.ok(RESERVED_NAMESPACE_NAMES.has(name), `${name} is served as a non-repo path but could become a user name`);
  for (const page of ['new', 'settings', 'deployments', 'jobs', 'leaderboards', 'tune']) assert.ok(RESERVED_NAMESPACE_NAMES.has(page));
});

void test('users and organizations cannot take reserved names, in any case', async () => {
  for (const name of ['new', 'settings', 'Deployments', 'API', 'metrics']) {
    for (const path of ['/api/users', '/api/organizations']) {
      const response = await post(path, { name });
      assert.equal(response.status, 400, `${path} ${name}`);
      const body = (await response.json()) as { code: string; error: string };
      assert.equal(body.code, 'VALIDATION_FAILED');
      assert.match(body.error, new RegExp(`"${name}" is reserved`));
      const lookup = await server.request(`/api/users/${name}/overview`);
      assert.equal(lookup.status, 404, `${name} was not created`);
    }
  }
});

void test('names that merely contain a reserved word are still fine', async () => {
  for (const [path, name] of [
    ['/api/users', 'newton'],
    ['/api/organizations', 'settings-team'],
  ] as const) {
    const response = await post(path, { name });
    assert.equal(response.status, 201, await response.clone().text());
    assert.equal(((await response.json()) as { name: string }).name, name);
  }
});
