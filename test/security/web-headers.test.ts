// The web UI against a hostile card, a framing page and a forged Host: a CSP that allows only the
// UI's own scripts (the inline early-fetch script by hash) and breaks nothing, no framing, nosniff
// everywhere, card markup without `style`, and links never built from a Host the server does not own.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, newPage } from '../helpers/browser.js';
import { createUserWithToken, startTestServer, type TestServer } from '../helpers/moda-server.js';
import { DEFAULT_WEB_DIST } from '../../src/server/web-ui.js';

let server: TestServer;
let browser: Browser;
let token: string;

const HOSTILE_CARD = [
  '# Overlay card',
  '<div style="position:fixed;inset:0;z-index:9999;background:white" id="overlay">Session expired. <a href="http://127.0.0.1:9/login">Sign in again</a></div>',
  '<p class="site-header modal" style="color:red">classes of the app</p>',
  '```python',
  'print("kept")',
  '```',
].join('\n');

before(async () => {
  if (!existsSync(join(DEFAULT_WEB_DIST, 'index.html'))) assert.equal(spawnSync('npm', ['run', 'build:web'], { stdio: 'inherit' }).status, 0, 'npm run build:web failed');
  [server, browser] = await Promise.all([startTestServer({ allowedHosts: ['hub.example'] }), launchChromium()]);
  token = await createUserWithToken(server, 'dave');
  assert.equal((await server.request('/api/repos/create', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'overlay' }) })).status, 200);
  const body = [JSON.stringify({ key: 'header', value: { summary: 'card' } }), JSON.stringify({ key: 'file', value: { path: 'README.md', content: Buffer.from(HOSTILE_CARD).toString('base64'), encoding: 'base64' } })].join('\n');
  assert.equal((await server.request('/api/models/dave/overlay/commit/main', { method: 'POST', token, headers: { 'content-type': 'application/x-ndjson' }, body })).status, 200);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

void test('HTML and API answers carry CSP, no-framing and nosniff headers', async () => {
  const page = await server.request('/settings/tokens', { token: null, headers: { accept: 'text/html' } });
  assert.equal(page.status, 200);
  const policy = page.headers.get('content-security-policy') ?? '';
  const scriptSrc = policy.split(';').find((directive) => directive.trim().startsWith('script-src')) ?? '';
  assert.match(scriptSrc, /'self'/);
  assert.match(scriptSrc, /'sha256-[A-Za-z0-9+/=]+'/, 'the inline early-fetch script is allowed by its hash');
  assert.doesNotMatch(policy, /'unsafe-inline'|'unsafe-eval'/);
  assert.match(policy, /frame-ancestors 'none'/);
  assert.equal(page.headers.get('x-frame-options'), 'DENY');
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  const api = await server.request('/api/models/dave/overlay', { token: null });
  assert.equal(api.headers.get('x-content-type-options'), 'nosniff');
  assert.match(api.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const file = await server.request('/dave/overlay/resolve/main/README.md', { token: null });
  assert.equal(file.headers.get('x-content-type-options'), 'nosniff');
  assert.match(file.headers.get('content-security-policy') ?? '', /sandbox/);
});

/** A raw request with the Host header we choose (fetch would not let us). */
function withHost(path: string, host: string, init: { method?: string; body?: string; token?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, server.url);
    const headers: Record<string, string> = { host, 'content-type': 'application/json' };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    const request = httpRequest({ hostname: url.hostname, port: url.port, path: url.pathname, method: init.method ?? 'GET', headers }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end(init.body);
  });
}

void test('a Host the server does not answer to is refused; links use only allowed hosts', async () => {
  const forged = await withHost('/api/repos/create', 'evil.example', { method: 'POST', token, body: JSON.stringify({ name: 'linked' }) });
  assert.equal(forged.status, 400);
  assert.match(forged.body, /HOST_NOT_ALLOWED/);
  assert.doesNotMatch(forged.body, /http:\/\/evil\.example/);
  // A DNS-rebound name for the loopback server gets nothing either.
  assert.equal((await withHost('/api/models', 'rebind.evil.example:8080')).status, 400);
  for (const host of [new URL(server.url).host, `localhost:${new URL(server.url).port}`, 'hub.example']) assert.equal((await withHost('/api/models', host)).status, 200, host);
  const linked = await withHost('/api/repos/create', 'hub.example', { method: 'POST', token, body: JSON.stringify({ name: 'linked' }) });
  assert.equal(linked.status, 200);
  assert.match(JSON.parse(linked.body).url as string, /^http:\/\/hub\.example\/dave\/linked$/);
});

void test('in Chromium: the UI runs under its CSP, cards lose style and foreign classes, and no page can frame the UI', async () => {
  const page = await newPage(browser);
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  // Pages without hostile content run with no CSP report at all.
  await page.goto(`${server.url}/`);
  await page.getByRole('link', { name: /dave\/overlay/ }).first().waitFor();
  await page.goto(`${server.url}/settings/tokens`);
  await page.waitForLoadState('networkidle');
  // The early-fetch script ran (it is allowed by hash).
  assert.equal(await page.evaluate<string>('typeof window.__modaEarlyFetch'), 'object');
  assert.deepEqual(violations, []);
  // The hostile card's style attributes are reported (blocked) while the sanitizer parses them.
  await page.goto(`${server.url}/dave/overlay`);
  const card = page.getByTestId('model-card');
  await card.getByRole('heading', { name: 'Overlay card' }).waitFor();
  const styled = await card.evaluate((element) => [...element.querySelectorAll('[style]')].length);
  assert.equal(styled, 0);
  const overlay = await page.evaluate<string>(`getComputedStyle(document.querySelector('[data-testid="model-card"] #overlay')).position`);
  assert.notEqual(overlay, 'fixed');
  const classes = await card.evaluate((element) => [...element.querySelectorAll('[class]')].map((node) => node.getAttribute('class')));
  assert.ok(classes.every((name) => /^language-/.test(name ?? '')), classes.join(' '));
  assert.ok(violations.every((violation) => /inline style/.test(violation)), violations.join('\n'));
  await page.context().close();

  const framer: Server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><iframe src="${server.url}/settings/tokens"></iframe>`));
  await new Promise<void>((resolve) => framer.listen(0, '127.0.0.1', resolve));
  try {
    const attacker = await newPage(browser);
    await attacker.goto(`http://127.0.0.1:${(framer.address() as AddressInfo).port}/`);
    await attacker.waitForTimeout(1000);
    const framed = attacker.frames().find((frame) => frame !== attacker.mainFrame());
    // A refused frame shows Chromium's error page, never the token page.
    assert.ok(framed === undefined || !framed.url().startsWith(server.url) || (await framed.evaluate<string>('document.title').catch(() => '')) !== 'Moda 魔搭', framed?.url());
    await attacker.context().close();
  } finally {
    await new Promise((resolve) => framer.close(resolve));
  }
});
