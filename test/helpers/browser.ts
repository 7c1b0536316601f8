// What every browser test shares: Debian's chromium launched headless with the flags that keep it
// off the network, a server-readiness wait, pages with a viewport and saved settings, and
// screenshots kept as test artifacts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = 'test-artifacts';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Chromium with the standard flags plus `extraArgs`; a missing browser is a broken machine, never a skip. */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `no ${CHROMIUM}: apt-get install -y chromium`);
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** Waits for `/readyz` (the starter catalog imported) or fails with its last answer. */
export async function waitUntilReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url}/readyz`);
    if (response.status === 200) return;
    if (Date.now() > deadline) throw new Error(`server not ready after ${timeoutMs} ms: ${await response.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A page in a context of its own (zh-CN, 1280 × 900 unless `width`), signed in when `token` is given. */
export async function newPage(browser: Browser, options: { token?: string; width?: number } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: 900 }, locale: 'zh-CN' });
  if (options.token) await context.addInitScript({ content: `localStorage.setItem('moda.token', ${JSON.stringify(options.token)})` });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/**
 * Waits until `expression`, evaluated in the page, is truthy. Polls with evaluate because
 * page.waitForFunction evaluates a string predicate with eval, which the UI's CSP forbids.
 */
export async function waitForCondition(page: Page, expression: string, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await page.evaluate<boolean>(`Boolean(${expression})`)); ) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Builds the web UI when the dist folder the server will serve has none (a MODA_WEB_DIST without one is a broken setup). */
export function ensureWebBuild(defaultDist: string): void {
  const dist = process.env.MODA_WEB_DIST || defaultDist;
  if (existsSync(join(dist, 'index.html'))) return;
  assert.equal(dist, defaultDist, `MODA_WEB_DIST=${dist} holds no index.html`);
  assert.equal(spawnSync('npm', ['run', 'build:web'], { stdio: 'inherit' }).status, 0, 'npm run build:web failed');
}
