// The Try-it panel in real headless Chromium against a real server with the starter catalog: every
// starter model run through the form and its result checked on the page — words with parts of
// speech, language ids, a playable TTS WAV, VAD on an uploaded WAV and on the microphone (Chromium's
// fake capture playing espeak-ng speech), faces with landmarks, moderation scores, OCR by Tesseract
// and PP-OCRv4, detection — plus the server's errors shown readably. Screenshots go to test-artifacts/.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot, waitForCondition, waitUntilReady } from './helpers/browser.js';
import { concatenate, makeWav, speak } from './fixtures/audio.js';
import { darknetPhoto, faceApiSample } from './fixtures/photos.js';
import { characterAccuracy, renderTextLines } from './fixtures/render-text-image.js';
import { startTestServer, type TestServer } from './helpers/moda-server.js';
import { DEFAULT_WEB_DIST } from '../src/server/web-ui.js';

const RESULT_TIMEOUT_MS = 120_000;
// Small, so the 413 path is reachable with a few megabytes; every real input here is far below it.
const MAX_INFERENCE_BYTES = 3 * 1024 * 1024;

let server: TestServer;
let browser: Browser;
let scratch: string;
/** Speech with silence around it: what the fake microphone plays and the VAD upload test sends. */
let speechWav: Buffer;

const pageErrors: string[] = [];

async function tryPage(repo: string, options: { width?: number; language?: 'en' } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: 900 }, locale: 'zh-CN' });
  if (options.language) await context.addInitScript({ content: `localStorage.setItem('moda.language', ${JSON.stringify(options.language)})` });
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(`${repo}: ${error.message}`));
  await page.goto(`${server.url}/${repo}#try`);
  await page.getByTestId('try-it').waitFor();
  return page;
}

async function run(page: Page): Promise<void> {
  await page.getByTestId('run').click();
  await page.getByTestId('result').or(page.getByTestId('try-error')).first().waitFor({ timeout: RESULT_TIMEOUT_MS });
  const error = page.getByTestId('try-error');
  if (await error.isVisible()) assert.fail(`the run failed: ${await error.textContent()}`);
}

async function assertRevisionAndLatency(page: Page): Promise<void> {
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

void test('word segmentation: the example is one click away, and words show with parts of speech and keywords', async () => {
  const page = await tryPage('moda/word-segmentation-jieba-zh');
  await page.getByTestId('use-example').click();
  assert.equal(await page.locator('#try-text').inputValue(), '我爱北京天安门');
  assert.equal(await page.locator('#parameter-pos').isChecked(), true);
  assert.equal(await page.locator('#parameter-keywords').inputValue(), '2');
  await run(page);
  const tokens = page.getByTestId('token');
  assert.deepEqual(await tokens.evaluateAll((nodes) => nodes.map((node) => node.firstChild?.textContent)), ['我', '爱', '北京', '天安门']);
  const tiananmen = tokens.filter({ hasText: '天安门' });
  assert.equal(await tiananmen.getAttribute('data-tag'), 'ns');
  assert.match((await tiananmen.getAttribute('class')) ?? '', /keyword/);
  await page.getByTestId('pos-legend').getByText('名词').waitFor();
  await page.getByTestId('keywords').locator('li[data-label="天安门"]').waitFor();
  await assertRevisionAndLatency(page);
  await screenshot(page, 'try-word-segmentation');
  await page.context().close();
});

void test('language identification: a Chinese and an English sentence get zh and en on top', async () => {
  const page = await tryPage('moda/lid-fasttext-176');
  await page.locator('#try-text').fill('今天天气很好，我们一起去公园散步吧。');
  await run(page);
  assert.equal(await page.getByTestId('labels').locator('li').first().getAttribute('data-label'), 'zh');
  await page.getByTestId('labels').locator('li').first().getByText('中文').waitFor();
  await page.locator('#try-text').fill('The quick brown fox jumps over the lazy dog near the river bank.');
  await page.locator('#parameter-top_k').fill('3');
  await run(page);
  await page.getByTestId('labels').locator('li').first().and(page.locator('[data-label="en"]')).waitFor();
  assert.ok((await page.getByTestId('labels').locator('li').count()) <= 3, 'top_k limits the labels');
  await screenshot(page, 'try-language-id');
  await page.context().close();
});

void test('text to speech: the answer plays in an audio player with a real duration', async () => {
  const page = await tryPage('moda/tts-espeak-ng');
  await page.locator('#try-text').fill('Hello, this is Moda reading a sentence aloud.');
  await run(page);
  const audio = page.getByTestId('audio');
  await page.getByTestId('speech-duration').waitFor();
  const duration = await audio.evaluate((element) => (element as unknown as { duration: number }).duration);
  assert.ok(duration > 1 && duration < 10, `duration ${duration}`);
  // It really plays: time moves forward.
  await audio.evaluate((element) => (element as unknown as { play(): Promise<void> }).play());
  await waitForCondition(page, "document.querySelector('[data-testid=audio]').currentTime > 0.2", 10_000);
  await screenshot(page, 'try-tts');
  await page.context().close();
});

void test('voice activity detection on an uploaded espeak-ng WAV shows segments on a timeline over the clip', async () => {
  const page = await tryPage('moda/vad-silero');
  await page.locator('#try-audio').setInputFiles({ name: 'speech.wav', mimeType: 'audio/wav', buffer: speechWav });
  await page.getByTestId('input-audio').waitFor();
  await run(page);
  const segments = page.getByTestId('segments');
  assert.ok((await segments.getByTestId('segment').count()) >= 2, 'two sentences, two segments at least');
  // The timeline spans the whole clip (from the player), not just up to the last segment.
  await waitForCondition(page, "Number(document.querySelector('[data-testid=segments]')?.getAttribute('data-duration')) > 0");
  const clipSeconds = Number(await segments.getAttribute('data-duration'));
  const expected = (speechWav.length - 44) / 2 / speechWav.readUInt32LE(24);
  assert.ok(Math.abs(clipSeconds - expected) < 0.1, `player duration ${clipSeconds}, clip ${expected}`);
  const first = (await segments.locator('li').first().textContent()) ?? '';
  const start = Number(/([\d.]+) s/.exec(first)?.[1]);
  assert.ok(start > 0.3 && start < 1.0, `first segment starts at ${start} s (speech begins at 0.6 s)`);
  await screenshot(page, 'try-vad-upload');

  // The task's example (10 ms of silence, base64 in the schema) runs too, and says there is no speech.
  await page.getByTestId('use-example').click();
  await run(page);
  await page.getByTestId('segments').getByText('没有检测到语音').waitFor();
  await page.context().close();
});

void test('voice activity detection from the microphone: record, stop, run', async () => {
  const page = await tryPage('moda/vad-silero');
  await page.getByTestId('record').click();
  await page.getByTestId('stop-recording').waitFor();
  await page.getByRole('meter', { name: '麦克风音量' }).waitFor();
  // Record past the first sentence (speech from 0.6 s on; the fake device loops the file).
  await waitForCondition(page, "Number(/([\\d.]+) s/.exec(document.querySelector('[data-testid=recording-time]')?.textContent ?? '')?.[1]) >= 4", 20_000);
  await screenshot(page, 'try-vad-recording');
  await page.getByTestId('stop-recording').click();
  const recorded = page.getByTestId('input-audio');
  await recorded.waitFor();
  await waitForCondition(page, "document.querySelector('[data-testid=input-audio]')?.duration > 0");
  const seconds = await recorded.evaluate((element) => (element as unknown as { duration: number }).duration);
  assert.ok(seconds >= 4 && seconds < 15, `recording of ${seconds} s`);
  await run(page);
  assert.ok((await page.getByTestId('segment').count()) >= 1, 'the recorded speech has segments');
  await screenshot(page, 'try-vad-microphone');
  await page.context().close();
});

void test('faces on a face-api sample photo: boxes, landmark points, age and gender', async () => {
  const page = await tryPage('moda/face-detection-faceapi');
  await page.locator('#try-image').setInputFiles({ name: 'faces.jpg', mimeType: 'image/jpeg', buffer: await faceApiSample(1) });
  await run(page);
  const faces = await page.getByTestId('face').count();
  assert.ok(faces >= 2, `${faces} faces`);
  const overlay = page.getByTestId('overlay');
  assert.equal(await overlay.getByTestId('shape').count(), faces);
  assert.equal(await overlay.getByTestId('landmark').count(), faces * 68);
  const age = Number(await page.getByTestId('face-age').first().textContent());
  assert.ok(age > 5 && age < 90, `age ${age}`);
  assert.match((await page.getByTestId('face-gender').first().textContent()) ?? '', /^(male|female) /);
  assert.equal(await page.getByTestId('face-expression').first().locator('li').count(), 3);
  await screenshot(page, 'try-faces');
  await page.context().close();
});

void test('moderation shows a score bar per class', async () => {
  const page = await tryPage('moda/moderation-nsfw-mobilenetv2');
  await page.locator('#try-image').setInputFiles({ name: 'dog.jpg', mimeType: 'image/jpeg', buffer: await darknetPhoto('dog') });
  await run(page);
  const bars = page.getByTestId('labels').getByRole('meter');
  assert.equal(await bars.count(), 5);
  const labels = await page.getByTestId('labels').locator('li').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-label')));
  assert.deepEqual([...labels].sort(), ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);
  const scores = await bars.evaluateAll((nodes) => nodes.map((node) => Number(node.getAttribute('aria-valuenow'))));
  assert.ok(Math.abs(scores.reduce((sum, score) => sum + score, 0) - 1) < 0.01, `scores ${scores.join(', ')} add up to 1`);
  assert.ok(['Neutral', 'Drawing'].includes(labels[0]!), `a dog photo is safe, got ${labels[0]}`);
  await screenshot(page, 'try-moderation');
  await page.context().close();
});

void test('OCR: Tesseract, PP-OCRv4 and the recognition-only model read rendered text; detection draws boxes', async () => {
  const text = '深度学习模型服务平台';
  const image = await renderTextLines([{ text, size: 40 }]);
  for (const repo of ['moda/ocr-tesseract-chi-sim', 'moda/ocr-ppocrv4-zh', 'moda/ocr-ppocrv4-rec-zh']) {
    const page = await tryPage(repo);
    await page.locator('#try-image').setInputFiles({ name: 'text.png', mimeType: 'image/png', buffer: image.png });
    await run(page);
    const read = (await page.getByTestId('ocr-lines').locator('li span[lang]').allTextContents()).join('');
    assert.ok(characterAccuracy(text, read) >= 0.8, `${repo} read ${JSON.stringify(read)}`);
    assert.ok((await page.getByTestId('overlay').getByTestId('shape').count()) >= 1, `${repo}: a box over the line`);
    await screenshot(page, `try-${repo.split('/')[1]}`);
    await page.context().close();
  }
  const page = await tryPage('moda/detection-centernet-coco');
  await page.locator('#try-image').setInputFiles({ name: 'dog.jpg', mimeType: 'image/jpeg', buffer: await darknetPhoto('dog') });
  await run(page);
  await page.getByTestId('overlay').locator('[data-testid=shape][data-label^="dog "]').waitFor();
  await page.context().close();
});

void test('bad input: an undecodable image, an out-of-range parameter and a body over the limit show the server error', async () => {
  const page = await tryPage('moda/face-detection-faceapi');
  await page.locator('#try-image').setInputFiles({ name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('this is not an image at all') });
  await page.getByTestId('run').click();
  const error = page.getByTestId('try-error');
  await error.waitFor({ timeout: RESULT_TIMEOUT_MS });
  assert.equal(await error.getAttribute('data-status'), '400');
  assert.equal(await error.getAttribute('data-code'), 'IMAGE_DECODE_FAILED');
  // The same words the API gives a client that sends these bytes.
  const direct = await server.request('/api/v1/models/moda/face-detection-faceapi/pipeline', { method: 'POST', headers: { 'content-type': 'image/png' }, body: Buffer.from('this is not an image at all') });
  const body = (await direct.json()) as { error: string };
  assert.equal(await error.getByTestId('error-text').textContent(), body.error);
  await error.getByText('输入有误').waitFor();
  await screenshot(page, 'try-error-image');

  // 413: a body over the server's limit.
  await page.locator('#try-image').setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(MAX_INFERENCE_BYTES + 1024, 1) });
  await page.getByTestId('run').click();
  await page.locator('[data-testid=try-error][data-status="413"]').waitFor({ timeout: RESULT_TIMEOUT_MS });
  await page.getByTestId('try-error').getByText('输入太大').waitFor();
  await page.context().close();

  // 400 with the failing path: top_k below its minimum.
  const lid = await tryPage('moda/lid-fasttext-176');
  await lid.locator('#try-text').fill('hello world');
  await lid.locator('#parameter-top_k').fill('0');
  await lid.getByTestId('run').click();
  await lid.locator('[data-testid=try-error][data-code="TASK_INPUT_INVALID"]').waitFor({ timeout: RESULT_TIMEOUT_MS });
  assert.match((await lid.getByTestId('error-text').textContent()) ?? '', /top_k/);
  // Nothing to send: said next to the form, without a request.
  await lid.locator('#try-text').fill('');
  await lid.locator('#parameter-top_k').fill('');
  await lid.getByTestId('run').click();
  await lid.getByTestId('try-error').getByText('请先提供输入').waitFor();
  await lid.context().close();
});

void test('at phone width, in English, with the keyboard: the form and a face result fit the screen', async () => {
  const page = await tryPage('moda/face-detection-faceapi', { width: 390, language: 'en' });
  await page.getByLabel('max_faces').fill('2');
  await page.getByRole('slider', { name: 'threshold' }).focus();
  await page.keyboard.press('ArrowRight');
  assert.ok(Number(await page.locator('#parameter-threshold').inputValue()) > 0, 'the slider sets the threshold');
  await page.locator('#parameter-threshold').fill('0.5');
  await page.locator('#try-image').setInputFiles({ name: 'faces.jpg', mimeType: 'image/jpeg', buffer: await faceApiSample(2) });
  await page.getByTestId('run').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('result').waitFor({ timeout: RESULT_TIMEOUT_MS });
  assert.ok((await page.getByTestId('face').count()) <= 2, 'max_faces is sent');
  await page.getByRole('tab', { name: 'JSON' }).click();
  assert.match((await page.getByTestId('raw-json').textContent()) ?? '', /"landmarks"/);
  await page.getByRole('tab', { name: 'Visual' }).click();
  await page.getByTestId('overlay').waitFor();
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  assert.ok(overflow <= 1, `page is ${overflow}px wider than the phone`);
  await screenshot(page, 'try-faces-phone-en');
  await page.context().close();
});

void test('segmentation: the selfie model overlays its person mask with a legend that toggles it', async () => {
  const page = await tryPage('moda/segmentation-selfie');
  await page.locator('#try-image').setInputFiles({ name: 'people.jpg', mimeType: 'image/jpeg', buffer: await faceApiSample(1) });
  await run(page);
  const canvas = page.locator('[data-testid=mask-canvas]:not([data-drawn="0"])');
  await canvas.waitFor();
  // Some of the photo is tinted (the people), not all of it (the background).
  const covered = await canvas.evaluate((element) => {
    const drawn = element as unknown as { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
    const { data } = drawn.getContext('2d').getImageData(0, 0, drawn.width, drawn.height);
    let tinted = 0;
    for (let index = 3; index < data.length; index += 4) if (data[index]! > 0) tinted++;
    return tinted / (data.length / 4);
  });
  assert.ok(covered > 0.05 && covered < 0.95, `${(covered * 100).toFixed(1)}% of the image is under a mask`);
  const toggle = page.getByTestId('mask-legend').getByRole('checkbox', { name: '显示 person' });
  await toggle.uncheck();
  await page.locator('[data-testid=mask-canvas][data-drawn="0"]').waitFor();
  await toggle.check();
  await canvas.waitFor();
  await screenshot(page, 'try-segmentation');
  await page.context().close();
});
