// Rate limits through HTTP: every limited action answers 429 RATE_LIMITED with Retry-After once its
// bucket is empty, per client address and per token (a second loopback address, 127.0.0.2, stands
// in for a second client), refused tokens lock their address out, Prometheus counts the refusals,
// and MODA_RATE_LIMITS=0 turns it all off.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/moda-server.js';

const ONE_PER_HOUR = { limit: 1, windowMs: 3_600_000 };
const OID = 'a'.repeat(64);

/** One request per limited action, each of a route that action covers. */
const CALLS: { action: string; method: string; path: string; body?: string; type?: string }[] = [
  { action: 'login', method: 'GET', path: '/api/whoami-v2' },
  { action: 'login', method: 'POST', path: '/api/v1/login', body: JSON.stringify({ AccessToken: ADMIN_TOKEN }), type: 'application/json' },
  { action: 'token-create', method: 'POST', path: '/api/tokens', body: JSON.stringify({ name: 'x' }), type: 'application/json' },
  { action: 'repo-create', method: 'POST', path: '/api/repos/create', body: JSON.stringify({ name: 'first' }), type: 'application/json' },
  { action: 'repo-create', method: 'POST', path: '/api/v1/models', body: JSON.stringify({ Path: 'admin', Name: 'second' }), type: 'application/json' },
  { action: 'commit', method: 'POST', path: '/api/models/admin/first/commit/main', body: '{"key":"header","value":{"summary":"x"}}\n', type: 'application/x-ndjson' },
  { action: 'commit', method: 'POST', path: '/api/v1/repos/models/admin/first/commit/master', body: '{}', type: 'application/json' },
  { action: 'commit', method: 'POST', path: '/admin/first.git/git-receive-pack', body: '', type: 'application/x-git-receive-pack-request' },
  { action: 'upload', method: 'PUT', path: `/admin/first.git/info/lfs/objects/${OID}?size=1`, body: 'x', type: 'application/octet-stream' },
  { action: 'upload', method: 'PUT', path: `/api/v1/repos/models/admin/first/info/lfs/objects/${OID}?size=1`, body: 'x', type: 'application/octet-stream' },
  { action: 'inference', method: 'POST', path: '/api/v1/models/admin/none/pipeline', body: '{"input":"x"}', type: 'application/json' },
  { action: 'inference', method: 'POST', path: '/models/admin/none', body: '{"inputs":"x"}', type: 'application/json' },
  { action: 'inference', method: 'POST', path: '/v1/chat/completions', body: '{"model":"admin/none","messages":[]}', type: 'application/json' },
  { action: 'inference', method: 'POST', path: '/v1/embeddings', body: '{"model":"admin/none","input":"x"}', type: 'application/json' },
];

function send(server: TestServer, call: (typeof CALLS)[number], token: string | null = ADMIN_TOKEN) {
  return server.request(call.path, { method: call.method, token, ...(call.body !== undefined && { body: call.body, headers: { 'content-type': call.type ?? 'application/json' } }) });
}

/** GET from a given local address (node's fetch cannot choose one). */
function getFrom(server: TestServer, localAddress: string, path: string, token: string): Promise<{ status: number; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(`${server.url}${path}`, { localAddress, headers: { authorization: `Bearer ${token}` } }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, code: response.headers['x-error-code'] as string | undefined }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

void test('each limited action answers 429 RATE_LIMITED with Retry-After past its limit, in the envelope of its protocol', async () => {
  const server = await startTestServer({
    rateLimitLogin: ONE_PER_HOUR,
    rateLimitTokenCreate: ONE_PER_HOUR,
    rateLimitRepoCreate: ONE_PER_HOUR,
    rateLimitCommit: ONE_PER_HOUR,
    rateLimitUpload: ONE_PER_HOUR,
    rateLimitInference: ONE_PER_HOUR,
  });
  try {
    const spent = new Set<string>();
    for (const call of CALLS) {
      const response = await send(server, call);
      await response.arrayBuffer();
      const label = `${call.method} ${call.path}`;
      if (!spent.has(call.action)) {
        assert.notEqual(response.status, 429, `${label}: the first ${call.action} request is let through`);
        spent.add(call.action);
        const again = await send(server, call);
        await again.arrayBuffer();
        assert.equal(again.status, 429, `${label}: the second is refused`);
        continue;
      }
      assert.equal(response.status, 429, `${label}: the ${call.action} bucket is shared by its routes`);
      assert.equal(response.headers.get('x-error-code'), 'RATE_LIMITED', label);
      const retryAfter = Number(response.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 3600, `${label}: Retry-After ${retryAfter}`);
    }
    const openAi = await send(server, CALLS.find((call) => call.path === '/v1/embeddings')!);
    assert.equal(((await openAi.json()) as { error: { code: string } }).error.code, 'RATE_LIMITED');
    const modelScope = await send(server, CALLS.find((call) => call.path === '/api/v1/models')!);
    assert.equal(((await modelScope.json()) as { ErrorCode: string }).ErrorCode, 'RATE_LIMITED');
    // Routes without a limit stay open.
    assert.equal((await server.request('/api/models')).status, 200);
    const metrics = await (await server.request('/metrics')).text();
    for (const action of spent) assert.match(metrics, new RegExp(`moda_rate_limited_total\\{action="${action}",scope="address"\\} [1-9]`), action);
  } finally {
    await server.stop();
  }
});

void test('a token is limited across addresses, and each address on its own', async () => {
  const server = await startTestServer({ rateLimitLogin: { limit: 2, windowMs: 3_600_000 } });
  try {
    assert.equal((await getFrom(server, '127.0.0.1', '/api/whoami-v2', ADMIN_TOKEN)).status, 200);
    assert.equal((await getFrom(server, '127.0.0.2', '/api/whoami-v2', ADMIN_TOKEN)).status, 200);
    // Each address has one request left, the token none.
    assert.deepEqual(await getFrom(server, '127.0.0.2', '/api/whoami-v2', ADMIN_TOKEN), { status: 429, code: 'RATE_LIMITED' });
    const metrics = await (await server.request('/metrics')).text();
    assert.match(metrics, /moda_rate_limited_total\{action="login",scope="token"\} 1/);
  } finally {
    await server.stop();
  }
});

void test('an address that sends too many refused tokens is refused before its tokens are checked', async () => {
  const server = await startTestServer({ rateLimitAuthFailures: { limit: 3, windowMs: 3_600_000 } });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const guess = await server.request('/api/whoami-v2', { token: `hf_guess_${attempt}` });
      assert.equal(guess.status, 401);
      assert.equal(guess.headers.get('x-error-code'), 'AUTH_INVALID_TOKEN');
    }
    const locked = await server.request('/api/whoami-v2');
    assert.equal(locked.status, 429, 'even a valid token from that address waits');
    assert.equal(locked.headers.get('x-error-code'), 'RATE_LIMITED');
    assert.ok(Number(locked.headers.get('retry-after')) >= 1);
    assert.equal((await server.request('/api/models', { token: null })).status, 200, 'anonymous reads stay open');
    assert.equal((await getFrom(server, '127.0.0.2', '/api/whoami-v2', ADMIN_TOKEN)).status, 200, 'another address is not locked out');
  } finally {
    await server.stop();
  }
});

void test('MODA_RATE_LIMITS=0 turns every limit off', async () => {
  const server = await startTestServer({ rateLimits: false, rateLimitLogin: ONE_PER_HOUR });
  try {
    for (let attempt = 0; attempt < 3; attempt++) assert.equal((await server.request('/api/whoami-v2')).status, 200);
  } finally {
    await server.stop();
  }
});

void test('rate settings: N/window, 0 = off, anything else is CONFIG_INVALID naming the variable', () => {
  assert.deepEqual(loadConfig({ MODA_RATE_LIMIT_COMMIT: '5/10s' }).rateLimitCommit, { limit: 5, windowMs: 10_000 });
  assert.deepEqual(loadConfig({ MODA_RATE_LIMIT_COMMIT: '1000/h' }).rateLimitCommit, { limit: 1000, windowMs: 3_600_000 });
  assert.equal(loadConfig({ MODA_RATE_LIMIT_COMMIT: '0' }).rateLimitCommit, null);
  assert.equal(loadConfig({}).rateLimits, true, 'on by default, loopback included');
  for (const bad of ['fast', '10', '0/m', '-1/m', '10/y', '1.5/m', '10/0s']) {
    assert.throws(() => loadConfig({ MODA_RATE_LIMIT_COMMIT: bad }), (error: Error & { code?: string }) => error.code === 'CONFIG_INVALID' && error.message.includes('MODA_RATE_LIMIT_COMMIT'), bad);
  }
});
