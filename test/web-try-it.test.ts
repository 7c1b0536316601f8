// The Try-it panel in real headless Chromium against a real server with the starter catalog: every
// starter model run through the form and its result checked on the page — words with parts of
// speech, language ids, a playable TTS WAV, VAD on an uploaded WAV and on the microphone (Chromium's
// fake capture playing espeak-ng speech), faces with landmarks, moderation scores, OCR by Tesseract
// and PP-OCRv4, detection — plus the server's errors shown readably. Screenshots go to test-artifacts/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { screenshot, waitForCondition } from './helpers/browser.js';
import { assertRevisionAndLatency, run, speechWav, tryPage } from './helpers/try-it-session.js';


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
