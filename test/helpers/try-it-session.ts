// The Try-it browser tests' shared session (imported by test/web-try-it*.test.ts, one per file
// process): a real server with the starter catalog and headless Chromium with a fake microphone
// playing espeak-ng speech, started in `before` and stopped in `after`; uncaught page errors fail the file.
// Split in two files so that each stays well inside the runner's per-file limit on a loaded machine.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, waitUntilReady } from './browser.js';
import { concatenate, makeWav, speak } from '../fixtures/audio.js';
import { startTestServer, type TestServer } from './moda-server.js';
import { DEFAULT_WEB_DIST } from '../../src/server/web-ui.js';

export const RESULT_TIMEOUT_MS = 120_000;
// Small, so the 413 path is reachable with a few megabytes; every real input here is far below it.
export const MAX_INFERENCE_BYTES = 3 * 1024 * 1024;

export let server: TestServer;
export let browser: Browser;
let scratch: string;
/** Speech with silence around it: what the fake microphone plays and the VAD upload test sends. */
export let speechWav: Buffer;

const pageErrors: string[] = [];

export async function tryPage(repo: string, options: { width?: number; language?: 'en' } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: 900 }, locale: 'zh-CN' });
  if (options.language) await context.addInitScript({ content: `localStorage.setItem('moda.language', ${JSON.stringify(options.language)})` });
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(`${repo}: ${error.message}`));
  await page.goto(`${server.url}/${repo}#try`);
  await page.getByTestId('try-it').waitFor();
  return page;
}

export async function run(page: Page): Promise<void> {
  await page.getByTestId('run').click();
  await page.getByTestId('result').or(page.getByTestId('try-error')).first().waitFor({ timeout: RESULT_TIMEOUT_MS });
  const error = page.getByTestId('try-error');
  if (await error.isVisible()) assert.fail(`the run failed: ${await error.textContent()}`);
}

export async function assertRevisionAndLatency(page: Page): Promise<void> {
  assert.match((await page.getByTestId('revision').getAttribute('title')) ?? '', /^[0-9a-f]{40}$/);
  assert.match((await page.getByTestId('latency').textContent()) ?? '', /\d+ ms/);
  assert.match((await page.getByTestId('server-timing').first().textContent()) ?? '', /inference\): \d+(\.\d)? ms/);
}

before(async () => {
  // A missing browser, speech synthesiser or built UI is a broken test machine, never a reason to skip.
  const webDist = process.env.MODA_WEB_DIST ?? DEFAULT_WEB_DIST;
  assert.ok(existsSync(join(webDist, 'index.html')), `no built UI in ${webDist}: npm run build:web`);
  scratch = await mkdtemp(join(tmpdir(), 'moda-try-it-'));
  const first = speak('Good morning. The weather is lovely today.');
  const second = speak('Models are served here without the internet.');
  speechWav = makeWav([concatenate(first.sampleRate, [0.6, first.samples, 1.2, second.samples, 0.8])], first.sampleRate, 'pcm16');
  const microphoneWav = join(scratch, 'microphone.wav');
  await writeFile(microphoneWav, speechWav);
  [server, browser] = await Promise.all([
    startTestServer({ catalog: true, maxInferenceBytes: MAX_INFERENCE_BYTES }),
    // A microphone that plays the speech file, granted without a prompt; audio plays without a click.
    launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${microphoneWav}`, '--autoplay-policy=no-user-gesture-required']),
  ]);
  await waitUntilReady(server.url, 120_000);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
});
