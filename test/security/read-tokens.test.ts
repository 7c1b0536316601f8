// A read-only token writes nothing, on any surface: an attacker holding a leaked read token (or a
// second user's) cannot like, create, commit, tag, deploy, mint tokens or push; reads that use POST
// (paths-info, LFS download batches, git fetch) keep working.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createUserWithToken, startTestServer, type TestServer } from '../helpers/moda-server.js';

let server: TestServer;
let writer: string;
let reader: string;

before(async () => {
  server = await startTestServer();
  writer = await createUserWithToken(server, 'erin');
  reader = await createUserWithToken(server, 'frank', 'read');
  assert.equal((await server.request('/api/repos/create', { method: 'POST', token: writer, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'liked' }) })).status, 200);
});
after(async () => server.stop());

void test('a read-only token can neither like nor unlike, nor write anything else', async () => {
  const json = { 'content-type': 'application/json' };
  const attempts: [string, string, Record<string, string>, string | undefined][] = [
    ['POST', '/api/models/erin/liked/like', {}, undefined],
    ['DELETE', '/api/models/erin/liked/like', {}, undefined],
    ['POST', '/api/repos/create', json, JSON.stringify({ name: 'mine' })],
    ['POST', '/api/tokens', json, JSON.stringify({ name: 'more', role: 'read' })],
    ['POST', '/api/v1/deployments', json, JSON.stringify({ name: 'd', model: 'erin/liked' })],
    ['POST', '/api/organizations', json, JSON.stringify({ name: 'frank-org' })],
    ['POST', '/api/v1/models', json, JSON.stringify({ Path: 'frank', Name: 'ms', Visibility: 5 })],
  ];
  for (const [method, path, headers, body] of attempts) {
    const response = await server.request(path, { method, token: reader, headers, body });
    assert.equal(response.status, 403, `${method} ${path}: ${await response.clone().text()}`);
  }
  const info = (await (await server.request('/api/models/erin/liked', { token: null })).json()) as { likes: number };
  assert.equal(info.likes, 0);
  // The same token still reads through POST routes that only read.
  const pathsInfo = await server.request('/api/models/erin/liked/paths-info/main', { method: 'POST', token: reader, headers: json, body: JSON.stringify({ paths: ['README.md'] }) });
  assert.equal(pathsInfo.status, 200);
  const batch = await server.request('/erin/liked.git/info/lfs/objects/batch', { method: 'POST', token: reader, headers: { 'content-type': 'application/vnd.git-lfs+json' }, body: JSON.stringify({ operation: 'download', objects: [] }) });
  assert.equal(batch.status, 200, await batch.clone().text());
  const list = await server.request('/api/v1/models', { method: 'PUT', token: reader, body: Buffer.from(JSON.stringify({ Path: 'erin' })) });
  assert.equal(list.status, 200);
});
