// The Try-it panel in real headless Chromium (second half, session in test/helpers/try-it-session.ts):
// faces with landmarks, moderation scores, OCR by Tesseract and PP-OCRv4, detection, the server's
// errors shown readably, phone width with the keyboard, and the selfie segmentation mask.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { screenshot } from './helpers/browser.js';
import { darknetPhoto, faceApiSample } from './fixtures/photos.js';
import { characterAccuracy, renderTextLines } from './fixtures/render-text-image.js';
import { MAX_INFERENCE_BYTES, RESULT_TIMEOUT_MS, run, server, tryPage } from './helpers/try-it-session.js';

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
