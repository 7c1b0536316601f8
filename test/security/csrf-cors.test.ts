// CSRF and CORS as a page on another origin would try them: the victim holds ModelScope's
// `m_session_id` cookie (or cached Basic credentials) for the hub; the attacker's page, on another
// port of the same host (same-site, so SameSite=Lax still lets the cookie go), posts forms and reads
// answers with `credentials: 'include'`. Bearer-token clients from any origin keep working.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { createUserWithToken, startTestServer, type TestServer } from '../helpers/moda-server.js';

let server: TestServer;
let victim: string;
// Origins are only header values here (never contacted): other ports of this host.
const FOREIGN = 'http://127.0.0.1:9';
const TRUSTED = 'http://127.0.0.1:8';

async function repoExists(id: string): Promise<boolean> {
  return (await server.request(`/api/models/${id}`)).status === 200;
}

before(async () => {
  server = await startTestServer({ corsOrigins: [TRUSTED] });
  victim = await createUserWithToken(server, 'alice');
  const created = await server.request('/api/repos/create', { method: 'POST', token: victim, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'secret', private: true }) });
  assert.equal(created.status, 200, await created.text());
  const line = (value: unknown) => JSON.stringify(value);
  const commit = await server.request('/api/models/alice/secret/commit/main', {
    method: 'POST',
    token: victim,
    headers: { 'content-type': 'application/x-ndjson' },
    body: [line({ key: 'header', value: { summary: 'secret' } }), line({ key: 'file', value: { path: 'secret.txt', content: Buffer.from('top secret').toString('base64'), encoding: 'base64' } })].join('\n'),
  });
  assert.equal(commit.status, 200, await commit.text());
});
after(async () => server.stop());

void test('the session cookie is HttpOnly and SameSite', async () => {
  const login = await server.request('/api/v1/login', { method: 'POST', token: null, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ AccessToken: victim }) });
  assert.equal(login.status, 200);
  const cookie = login.headers.get('set-cookie') ?? '';
  assert.match(cookie, /^m_session_id=/);
  assert.match(cookie, /;\s*HttpOnly/i);
  assert.match(cookie, /;\s*SameSite=(Lax|Strict)/i);
  // Served over http here, so no Secure (the browser would drop the cookie).
  assert.doesNotMatch(cookie, /;\s*Secure/i);
});

void test('cookie- and Basic-authenticated writes with form-able bodies from a foreign origin get 403', async () => {
  const cookie = `m_session_id=${victim}`;
  const body = JSON.stringify({ Path: 'alice', Name: 'forged', Visibility: 5 });
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    const forged = await server.request('/api/v1/models', { method: 'POST', token: null, headers: { cookie, origin: FOREIGN, 'content-type': type }, body });
    assert.equal(forged.status, 403, type);
    const envelope = (await forged.json()) as { ErrorCode: string };
    assert.equal(envelope.ErrorCode, 'CROSS_SITE_REQUEST_REFUSED');
    // A form with its Origin stripped (a referrer policy, an old browser) is no better.
    const stripped = await server.request('/api/v1/models', { method: 'POST', token: null, headers: { cookie, 'content-type': type }, body });
    assert.equal(stripped.status, 403, `${type} without Origin`);
  }
  // ModelScope's create_dataset form: multipart from a foreign page is refused as well.
  const datasetForm = await server.request('/api/v1/datasets', { method: 'POST', token: null, headers: { cookie, origin: FOREIGN, 'content-type': 'multipart/form-data; boundary=x' }, body: '--x--\r\n' });
  assert.equal(datasetForm.status, 403);
  const basic = `Basic ${Buffer.from(`alice:${victim}`).toString('base64')}`;
  const basicForged = await server.request('/api/repos/create', { method: 'POST', token: null, headers: { authorization: basic, origin: FOREIGN, 'content-type': 'text/plain' }, body: JSON.stringify({ name: 'forged-basic' }) });
  assert.equal(basicForged.status, 403);
  assert.equal(basicForged.headers.get('x-error-code'), 'CROSS_SITE_REQUEST_REFUSED');
  assert.equal(await repoExists('alice/forged'), false);
  assert.equal(await repoExists('alice/forged-basic'), false);
});

void test('the SDK, same-site pages, trusted origins and bearer tokens still write', async () => {
  const cookie = `m_session_id=${victim}`;
  const create = (name: string, headers: Record<string, string>) =>
    // Bytes, not a string: fetch would add `text/plain` to a string body.
    server.request('/api/v1/models', { method: 'POST', token: null, headers: { cookie, ...headers }, body: Buffer.from(JSON.stringify({ Path: 'alice', Name: name, Visibility: 5 })) });
  // The modelscope SDK: `data=json.dumps(…)` with no Content-Type and no Origin.
  assert.equal((await create('from-sdk', {})).status, 200);
  assert.equal((await create('from-json', { 'content-type': 'application/json' })).status, 200);
  assert.equal((await create('from-same-site', { origin: server.url, 'content-type': 'text/plain' })).status, 200);
  assert.equal((await create('from-trusted', { origin: TRUSTED, 'content-type': 'text/plain' })).status, 200);
  // A bearer token is never ambient: a page holding one may post what it likes.
  const bearer = await server.request('/api/repos/create', { method: 'POST', token: victim, headers: { origin: FOREIGN, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'from-bearer' }) });
  assert.equal(bearer.status, 200);
});

void test('credentialed CORS only for configured origins; token CORS for all', async () => {
  const foreign = await server.request('/api/v1/models/alice/secret/repo?FilePath=secret.txt', { token: null, headers: { origin: FOREIGN, cookie: `m_session_id=${victim}` } });
  assert.equal(foreign.headers.get('access-control-allow-origin'), FOREIGN);
  assert.equal(foreign.headers.get('access-control-allow-credentials'), null);
  const trusted = await server.request('/api/models/alice/secret', { token: victim, headers: { origin: TRUSTED } });
  assert.equal(trusted.headers.get('access-control-allow-origin'), TRUSTED);
  assert.equal(trusted.headers.get('access-control-allow-credentials'), 'true');
  // A public JS client's preflight for a bearer-token read succeeds, without credentials.
  const preflight = await server.request('/api/models/alice/secret', { method: 'OPTIONS', token: null, headers: { origin: FOREIGN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), FOREIGN);
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/i);
  assert.equal(preflight.headers.get('access-control-allow-credentials'), null);
});

void test('in Chromium, a page on another port can neither read private files with the cookie nor post forms', async () => {
  const attacker: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>attacker</title>');
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  const attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const context = await browser.newContext();
    // The victim signed in with the ModelScope SDK flow earlier: the browser holds the cookie.
    await context.addCookies([{ name: 'm_session_id', value: victim, url: server.url, httpOnly: true, sameSite: 'Lax' }]);
    const page = await context.newPage();
    await page.goto(attackerUrl);
    const outcome = await page.evaluate(async (hub) => {
      const read = await fetch(`${hub}/api/v1/models/alice/secret/repo?FilePath=secret.txt`, { credentials: 'include' }).then(
        (response) => response.text(),
        (error: Error) => `blocked: ${error.name}`,
      );
      // What an HTML form can send: text/plain, no preflight, cookie attached.
      await fetch(`${hub}/api/v1/models`, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ Path: 'alice', Name: 'forged-in-browser', Visibility: 5 }) }).catch(() => undefined);
      return read;
    }, server.url);
    assert.doesNotMatch(outcome, /top secret/);
    assert.match(outcome, /^blocked/);
    assert.equal(await repoExists('alice/forged-in-browser'), false);
  } finally {
    await browser?.close();
    await new Promise((resolve) => attacker.close(resolve));
  }
});
