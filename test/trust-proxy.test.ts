// Behind nginx every request arrives from nginx's address. With MODA_TRUST_PROXY naming it, the
// client address (per-address rate limits, the audit log) comes from X-Forwarded-For; without it
// the header is ignored, so a client cannot pick its own address.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer } from './helpers/moda-server.js';

const rule = { limit: 1, windowMs: 3_600_000 };

function badToken(server: { request: (path: string, init?: RequestInit & { token?: string | null }) => Promise<Response> }, forwardedFor: string): Promise<number> {
  return server.request('/api/whoami-v2', { token: 'hf_not_a_token', headers: { 'x-forwarded-for': forwardedFor } }).then((answer) => answer.status);
}

void test('MODA_TRUST_PROXY: X-Forwarded-For names the client only when the proxy is trusted', async () => {
  const trusting = await startTestServer({ rateLimitAuthFailures: rule, trustProxy: ['127.0.0.0/8'] });
  try {
    assert.equal(await badToken(trusting, '203.0.113.1'), 401);
    assert.equal(await badToken(trusting, '203.0.113.2'), 401, 'another client behind the proxy has its own bucket');
    assert.equal(await badToken(trusting, '203.0.113.1'), 429, 'the first client has spent its own');
  } finally {
    await trusting.stop();
  }
  const ignoring = await startTestServer({ rateLimitAuthFailures: rule });
  try {
    assert.equal(await badToken(ignoring, '203.0.113.1'), 401);
    assert.equal(await badToken(ignoring, '203.0.113.2'), 429, 'untrusted: the header is ignored and both are 127.0.0.1');
  } finally {
    await ignoring.stop();
  }
});
