// End-to-end test of the audit log page in headless Chromium against a real Moda server: an admin
// creates a token through the tokens page and finds that event on /settings/audit (filtered by
// action prefix and actor); a non-admin sees "admins only" and no events. Screenshot in test-artifacts/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_WEB_DIST } from '../src/server/web-ui.js';
import { launchChromium, screenshot } from './helpers/browser.js';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let browser: Browser;
let alice = '';

/** A page signed in with `token` (kept in localStorage as the UI does), in English. */
async function signedInPage(token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  await context.addInitScript({ content: `localStorage.setItem('moda.language', 'en'); localStorage.setItem('moda.token', ${JSON.stringify(token)})` });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  return page;
}

before(async () => {
  const dist = process.env.MODA_WEB_DIST || DEFAULT_WEB_DIST;
  if (!existsSync(join(dist, 'index.html'))) {
    assert.equal(dist, DEFAULT_WEB_DIST, `MODA_WEB_DIST=${dist} holds no index.html`);
    assert.equal(spawnSync('npm', ['run', 'build:web'], { stdio: 'inherit' }).status, 0, 'npm run build:web failed');
  }
  [server, browser] = await Promise.all([startTestServer({ catalog: false }), launchChromium()]);
  alice = await createUserWithToken(server, 'alice', 'write');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

void test('an admin sees an action they just performed in the audit log, filtered', async () => {
  const page = await signedInPage(ADMIN_TOKEN);
  await page.goto(`${server.url}/settings/tokens`);
  await page.getByLabel('Name', { exact: true }).fill('audited-token');
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.getByTestId('new-token').waitFor();

  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.waitForURL(/\/settings\/audit$/);
  const created = page.getByTestId('audit-event').filter({ hasText: 'token.create' }).filter({ hasText: 'audited-token' });
  await created.first().waitFor();
  // Newest first: the token just made is the first row.
  assert.match((await page.getByTestId('audit-event').first().textContent()) ?? '', /token\.create.*audited-token/);

  await page.getByLabel('Action prefix').fill('token.');
  await page.getByLabel('Actor').fill('admin');
  await page.getByRole('button', { name: 'Filter' }).click();
  await created.first().waitFor();
  const actions = await page.getByTestId('audit-event').locator('td:nth-child(2)').allTextContents();
  assert.ok(actions.length > 0 && actions.every((action) => action.startsWith('token.')), actions.join(', '));
  await screenshot(page, 'audit-log');

  // A filter matching nothing says so.
  await page.getByLabel('Action prefix').fill('no-such-action.');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByText('No events match.').waitFor();
  assert.equal(await page.getByTestId('audit-event').count(), 0);
  await page.context().close();
});

void test('a non-admin sees that the log is for admins only, and no events', async () => {
  const page = await signedInPage(alice);
  await page.goto(`${server.url}/settings/audit`);
  await page.getByTestId('admins-only').waitFor();
  assert.match((await page.getByTestId('admins-only').textContent()) ?? '', /admins only/);
  assert.equal(await page.getByTestId('audit-events').count(), 0);
  assert.equal(await page.getByRole('link', { name: 'Audit log' }).count(), 0, 'no link for non-admins');
  await screenshot(page, 'audit-log-not-admin');
  await page.context().close();
});

void test('"load more" pages back through older events without repeating any', async () => {
  for (let index = 0; index < 55; index++) {
    const response = await server.request('/api/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `bulk-${index}`, role: 'read' }) });
    assert.ok(response.ok, await response.text());
  }
  const page = await signedInPage(ADMIN_TOKEN);
  await page.goto(`${server.url}/settings/audit`);
  await page.getByTestId('audit-more').waitFor();
  assert.equal(await page.getByTestId('audit-event').count(), 50);
  await page.getByTestId('audit-more').click();
  await page.getByTestId('audit-event').nth(50).waitFor();
  const targets = await page.getByTestId('audit-event').locator('td:nth-child(4)').allTextContents();
  assert.ok(targets.length > 55, `${targets.length} events`);
  assert.equal(new Set(await page.getByTestId('audit-event').evaluateAll((rows) => rows.map((row) => row.textContent))).size, targets.length, 'no event shown twice');
  await page.context().close();
});
