// The Jobs page and the home page's import progress in headless Chromium against real servers: a
// signed-in user reaches /jobs from the header, sees a running job's state and progress bar, opens
// its log as it follows, cancels it and retries it to success; on a first start the home page shows
// the starter catalog import's progress. Screenshots in test-artifacts/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_WEB_DIST } from '../src/server/web-ui.js';
import { launchChromium, screenshot, waitForCondition } from './helpers/browser.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';
import { createJob, TEST_JOB_MODULE } from './helpers/jobs.js';

let server: TestServer;
let browser: Browser;
let alice = '';

async function signedInPage(token: string | null): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  await context.addInitScript({ content: `localStorage.setItem('moda.language', 'en');${token ? ` localStorage.setItem('moda.token', ${JSON.stringify(token)});` : ''}` });
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
  [server, browser] = await Promise.all([startTestServer({ jobModules: [TEST_JOB_MODULE] }), launchChromium()]);
  alice = await createUserWithToken(server, 'alice', 'write');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const jobState = (id: string) => `document.querySelector('[data-testid="job"][data-id="${id}"]')?.dataset.state`;

void test('the Jobs page shows live state and progress, follows the log, cancels and retries', async () => {
  const job = await createJob(server.request, 'test-steps', { steps: 60, stepMs: 100 }, alice);
  const page = await signedInPage(alice);
  await page.goto(server.url);
  await page.getByRole('link', { name: 'Jobs' }).click();
  await page.waitForURL(/\/jobs$/);
  await waitForCondition(page, `${jobState(job.id)} === 'running'`, 60_000);
  const card = page.locator(`[data-testid="job"][data-id="${job.id}"]`);
  await waitForCondition(page, `/step \\d+ of 60/.test(document.querySelector('[data-id="${job.id}"] [data-testid="job-progress-text"]')?.textContent ?? '')`);
  assert.ok((await card.locator('progress').getAttribute('value')) !== null, 'the progress bar has a value');

  await card.getByRole('button', { name: 'Show log' }).click();
  await waitForCondition(page, `/step 3/.test(document.querySelector('[data-id="${job.id}"] [data-testid="job-log"]')?.textContent ?? '')`);
  const before = await card.getByTestId('job-log').textContent();
  await waitForCondition(page, `(document.querySelector('[data-id="${job.id}"] [data-testid="job-log"]')?.textContent ?? '').length > ${before?.length ?? 0}`);
  await screenshot(page, 'jobs-page-running');

  await card.getByRole('button', { name: 'Cancel' }).click();
  await waitForCondition(page, `${jobState(job.id)} === 'cancelled'`, 10_000);
  assert.match((await card.textContent()) ?? '', /JOB_CANCELLED/);
  await card.getByRole('button', { name: 'Retry' }).click();
  await waitForCondition(page, `${jobState(job.id)} === 'succeeded'`, 120_000);
  await waitForCondition(page, `/succeeded/.test(document.querySelector('[data-id="${job.id}"] [data-testid="job-log"]')?.textContent ?? '')`);
  await screenshot(page, 'jobs-page-done');

  // Another user's page lists none of alice's jobs.
  const bob = await createUserWithToken(server, 'bob', 'write');
  const other = await signedInPage(bob);
  await other.goto(`${server.url}/jobs`);
  await other.getByText('No jobs yet.').waitFor();
});

void test('the home page shows the starter catalog import while it runs', async () => {
  const fresh = await startTestServer({ catalog: true });
  try {
    const page = await signedInPage(null);
    await page.goto(fresh.url);
    const banner = page.getByTestId('catalog-import');
    await banner.waitFor();
    assert.equal(await banner.getAttribute('data-state'), 'importing');
    assert.match((await banner.textContent()) ?? '', /Importing the starter models/);
    await waitForCondition(page, `/importing moda\\//.test(document.querySelector('[data-testid="catalog-import"]')?.textContent ?? '')`, 120_000);
    await screenshot(page, 'home-catalog-import');
  } finally {
    await fresh.stop();
  }
});
