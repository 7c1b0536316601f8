// What the Evaluate panel's browser tests share: a server with alice's tiny ONNX sentiment model and
// her `reviews` dataset made a benchmark (eval.yaml), Chromium pages in English (signed in or not),
// and following the newest job card of the panel to its end.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_WEB_DIST } from '../../src/server/web-ui.js';
import { launchChromium } from './browser.js';
import { commitFiles, createDataset } from './dataset-repo.js';
import { csv, publishSentiment } from './eval-setup.js';
import { createUserWithToken, startTestServer, type TestServer } from './moda-server.js';

export const REVIEW_ROWS: [string, string][] = [
  ['good', 'positive'],
  ['great', 'positive'],
  ['bad', 'negative'],
  ['awful', 'negative'],
  ['good great', 'positive'],
  ['not good', 'negative'],
];

export interface EvaluateSetup {
  server: TestServer;
  browser: Browser;
  alice: string;
  bob: string;
}

export async function startEvaluateSetup(): Promise<EvaluateSetup> {
  const dist = process.env.MODA_WEB_DIST || DEFAULT_WEB_DIST;
  if (!existsSync(join(dist, 'index.html'))) {
    assert.equal(dist, DEFAULT_WEB_DIST, `MODA_WEB_DIST=${dist} holds no index.html`);
    assert.equal(spawnSync('npm', ['run', 'build:web'], { stdio: 'inherit' }).status, 0, 'npm run build:web failed');
  }
  const [server, browser] = await Promise.all([startTestServer({ jobConcurrency: 2, evalConcurrency: 4 }), launchChromium()]);
  const alice = await createUserWithToken(server, 'alice');
  const bob = await createUserWithToken(server, 'bob');
  await publishSentiment(server, 'alice', 'sentiment', alice);
  await createDataset(server, 'reviews', { token: alice });
  // A benchmark: its eval.yaml makes the results rank on a leaderboard.
  await commitFiles(server, 'alice/reviews', { 'test.csv': csv(REVIEW_ROWS), 'eval.yaml': 'name: Reviews\nmetric: accuracy\ntasks:\n  - {id: test, config: default, split: test}\n' }, alice);
  return { server, browser, alice, bob };
}

export async function englishPage(browser: Browser, token?: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  await context.addInitScript({ content: `localStorage.setItem('moda.language', 'en');${token ? `localStorage.setItem('moda.token', ${JSON.stringify(token)});` : ''}` });
  const opened = await context.newPage();
  opened.on('pageerror', (error) => console.error('page error:', error.message));
  return opened;
}

/** The newest job card's id once it reads `succeeded` (fails on `failed`), with the states it showed on the way. */
export async function followNewestJob(opened: Page, previous: readonly string[]): Promise<{ id: string; states: string[] }> {
  const card = opened.locator('[data-testid="eval-job"]').first();
  await card.waitFor({ timeout: 30_000 });
  const id = (await card.locator('code').first().textContent())!.trim();
  assert.ok(!previous.includes(id), `a new job, not one of ${previous.join(', ')}`);
  const states: string[] = [];
  const deadline = Date.now() + 120_000;
  for (;;) {
    const state = (await card.getAttribute('data-state')) ?? '';
    if (states.at(-1) !== state) states.push(state);
    if (state === 'succeeded') return { id, states };
    assert.notEqual(state, 'failed', (await card.textContent()) ?? undefined);
    assert.ok(Date.now() < deadline, `job ${id} still ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Opens the Evaluate form on `model`'s page, picks `dataset`'s only split and starts. */
export async function startEvaluation(opened: Page, dataset: string): Promise<void> {
  await opened.locator('[data-testid="evaluate-button"]').click();
  const form = opened.locator('[data-testid="evaluate-form"]');
  await form.locator('input').first().fill(dataset);
  await form.getByRole('button', { name: 'Load splits' }).click();
  await form.locator('select').waitFor();
  assert.deepEqual(await form.locator('select option').allTextContents(), ['test']);
  await form.getByRole('button', { name: 'Start evaluation' }).click();
}
