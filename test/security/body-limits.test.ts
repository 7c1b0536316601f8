// Body limits cannot be stretched by naming another content type: NDJSON (the commit routes' type,
// with their 256 MiB limit) sent to any other route is refused before the body is read, and the
// commit routes refuse anonymous uploads before reading them.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { createUserWithToken, startTestServer, type TestServer } from '../helpers/moda-server.js';

let server: TestServer;
let token: string;

before(async () => {
  server = await startTestServer();
  token = await createUserWithToken(server, 'bob');
  assert.equal((await server.request('/api/repos/create', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'model' }) })).status, 200);
});
after(async () => server.stop());

/**
 * Declares `declared` bytes, sends only the first KiB, and resolves with the status the server
 * answers while the rest is still unsent (the server must not wait for 200 MB it will refuse).
 */
function answerBeforeBody(path: string, headers: Record<string, string>, declared: number): Promise<number> {
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers: { ...headers, 'content-length': String(declared) } }, (response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      request.destroy();
    });
    request.on('error', (error) => (error.message.includes('socket hang up') ? undefined : reject(error)));
    request.write(Buffer.alloc(1024, 0x20));
    // A server waiting for the rest never answers: give up (status 0) rather than hang the suite.
    setTimeout(() => {
      request.destroy();
      resolve(0);
    }, 30_000).unref();
  });
}

void test('NDJSON to a JSON route is refused before its body is read', async () => {
  const status = await answerBeforeBody('/api/repos/create', { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, 200 * 1024 ** 2);
  assert.equal(status, 415);
  // A complete body over the JSON limit, as NDJSON: refused with the stable code, not parsed.
  const big = '{"name":"x"}\n'.repeat(200_000);
  for (const type of ['application/x-ndjson', 'application/jsonl; charset=utf-8']) {
    const response = await server.request('/api/repos/create', { method: 'POST', token, headers: { 'content-type': type }, body: big });
    assert.equal(response.status, 415, type);
    assert.equal(response.headers.get('x-error-code'), 'CONTENT_TYPE_UNSUPPORTED');
  }
  // The same size as JSON meets the JSON limit.
  const json = await server.request('/api/repos/create', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', pad: 'x'.repeat(2 * 1024 ** 2) }) });
  assert.equal(json.status, 413);
});

void test('commit routes refuse anonymous bodies before reading them, and take large commits from writers', async () => {
  for (const path of ['/api/models/bob/model/commit/main', '/api/v1/repos/models/bob/model/commit/master']) {
    assert.equal(await answerBeforeBody(path, { 'content-type': 'application/x-ndjson' }, 200 * 1024 ** 2), 401, path);
  }
  // 3 MiB of inline content: over the JSON limit, within the commit limit.
  const content = Buffer.alloc(3 * 1024 ** 2, 7).toString('base64');
  const body = [JSON.stringify({ key: 'header', value: { summary: 'big' } }), JSON.stringify({ key: 'file', value: { path: 'big.bin', content, encoding: 'base64' } })].join('\n');
  const commit = await server.request('/api/models/bob/model/commit/main', { method: 'POST', token, headers: { 'content-type': 'application/x-ndjson' }, body });
  assert.equal(commit.status, 200, await commit.text());
});
