// The PP-OCRv4 starter model on rendered text: Chinese, English and mixed lines of several sizes,
// read with character accuracy checked and each line found where it was drawn; an upside-down page
// read through the direction classifier; batches kept in order; and bad images and bad model files
// failing with catalog error codes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import sharp from 'sharp';
import { isModaError } from '../src/errors/moda-error.js';
import type { OcrResult } from '../src/pipelines/ocr/ppocr-pipeline.js';
import type { LoadedPipeline, RunContext } from '../src/pipelines/pipeline-implementation.js';
import { findImplementation } from '../src/pipelines/registry.js';
import { openSnapshot, type ModelSnapshot } from '../src/runtime/model-snapshot.js';
import { ocr } from '../src/tasks/ocr.js';
import { characterAccuracy, editDistance, renderTextImage, renderTextLines, withoutSpaces, type DrawnLine, type TextImage } from './fixtures/render-text-image.js';
import { catalogSnapshot } from './helpers/catalog-snapshot.js';

const context: RunContext = { maxImagePixels: 40_000_000, fetch: globalThis.fetch };
let snapshot: ModelSnapshot | undefined;
let pipeline: LoadedPipeline | undefined;
let scratch = '';

async function load(from: ModelSnapshot): Promise<LoadedPipeline> {
  const implementation = findImplementation(from.configuration?.pipeline?.type ?? '');
  assert.ok(implementation, 'no implementation for the configured pipeline type');
  return implementation.load(from, { task: 'ocr', device: 'cpu', threads: 0 });
}

async function read(images: readonly (Uint8Array | string)[], parameters: Record<string, unknown> = {}): Promise<OcrResult[]> {
  assert.ok(pipeline, 'pipeline failed to load');
  const results = (await pipeline.run(images, parameters, context)) as OcrResult[];
  assert.equal(results.length, images.length);
  for (const result of results) assert.ok(Value.Check(ocr.output, result), `output does not match the ocr schema: ${JSON.stringify([...Value.Errors(ocr.output, result)][0])}`);
  return results;
}

function assertCodeRejects(promise: Promise<unknown>, code: string): Promise<void> {
  return assert.rejects(promise, (error: unknown) => {
    assert.ok(isModaError(error), `expected a ModaError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

/** Overall character accuracy of a page: its lines concatenated in reading order, whitespace ignored. */
function pageAccuracy(image: TextImage, result: OcrResult): number {
  return characterAccuracy(image.lines.map((line) => line.text).join(''), result.text);
}

/** Each drawn line is read (≥ 0.8 on its own) by a line whose box centre lies in the drawn box. */
function assertLinesWhereDrawn(drawn: readonly DrawnLine[], result: OcrResult): void {
  for (const line of drawn) {
    const best = result.lines.reduce((a, b) => (characterAccuracy(line.text, a.text) >= characterAccuracy(line.text, b.text) ? a : b));
    assert.ok(characterAccuracy(line.text, best.text) >= 0.8, `"${line.text}" was not read; lines: ${JSON.stringify(result.lines.map((found) => found.text))}`);
    const x = (best.box.xmin + best.box.xmax) / 2;
    const y = (best.box.ymin + best.box.ymax) / 2;
    const { xmin, ymin, xmax, ymax } = line.box;
    assert.ok(x >= xmin && x <= xmax && y >= ymin && y <= ymax, `"${line.text}" drawn at ${JSON.stringify(line.box)} found at ${JSON.stringify(best.box)}`);
    // The found box covers most of the drawn line's width and is not much taller than it.
    assert.ok(best.box.xmax - best.box.xmin >= 0.8 * (xmax - xmin) && best.box.ymax - best.box.ymin <= 1.5 * (ymax - ymin), `box ${JSON.stringify(best.box)} vs drawn ${JSON.stringify(line.box)}`);
    assert.ok(best.score > 0.5 && best.score <= 1, `score ${best.score}`);
  }
}

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'moda-ocr-'));
  snapshot = await catalogSnapshot('ocr-ppocrv4-zh');
  pipeline = await load(snapshot);
});

after(async () => {
  await pipeline?.dispose();
  await Promise.all([scratch, snapshot?.dir ?? ''].filter((dir) => dir !== '').map((dir) => rm(dir, { recursive: true, force: true })));
});

void test('reads Chinese, English and mixed lines of different sizes, in order, where they were drawn', async () => {
  assert.ok(pipeline && pipeline.memoryBytes > 15_000_000, `memoryBytes ${pipeline?.memoryBytes}`);
  const page = await renderTextLines([
    { text: '深度学习模型服务平台', size: 32 },
    { text: 'Hello Moda 2026', size: 28 },
    { text: '混合文本 OCR test 123', size: 22 },
    { text: '今天天气很好，我们去公园散步吧', size: 44 },
    { text: 'small print: version 1.4', size: 16 },
  ]);
  const [result] = await read([page.png]);
  assert.ok(result);
  const accuracy = pageAccuracy(page, result);
  assert.ok(accuracy >= 0.9, `character accuracy ${accuracy.toFixed(3)}: ${JSON.stringify(result.text)}`);
  assert.equal(result.lines.length, page.lines.length, JSON.stringify(result.lines.map((line) => line.text)));
  assert.equal(result.text, result.lines.map((line) => line.text).join('\n'));
  assertLinesWhereDrawn(page.lines, result);
  const tops = result.lines.map((line) => line.box.ymin);
  assert.deepEqual(tops, [...tops].sort((a, b) => a - b), 'top to bottom');
  for (const line of result.lines) {
    assert.equal(line.box.polygon.length, 4);
    for (const [x, y] of line.box.polygon) assert.ok(x >= 0 && y >= 0 && x <= page.width && y <= page.height, JSON.stringify(line.box.polygon));
  }
});

void test('lines side by side read left to right, and a large line is read as well as a small one', async () => {
  const page = await renderTextImage({ width: 900, height: 260 }, [
    { text: '左边的文字', size: 30, left: 20, top: 30 },
    { text: 'right side', size: 30, left: 560, top: 34 },
    { text: '大字标题Big', size: 72, left: 40, top: 120 },
  ]);
  const [result] = await read([page.png]);
  assert.ok(result);
  assert.ok(pageAccuracy(page, result) >= 0.9, JSON.stringify(result.text));
  assertLinesWhereDrawn(page.lines, result);
  assert.deepEqual(
    result.lines.map((line) => withoutSpaces(line.text)),
    ['左边的文字', 'rightside', '大字标题Big'],
  );
});

void test('a page turned 15° is read along rotated boxes', async () => {
  const page = await renderTextLines([
    { text: '旋转的文字识别测试', size: 32 },
    { text: 'Rotated text line 42', size: 30 },
  ]);
  const turned = await sharp(page.png).rotate(-15, { background: '#ffffff' }).png().toBuffer();
  const [result] = await read([turned]);
  assert.ok(result);
  assert.ok(pageAccuracy(page, result) >= 0.9, JSON.stringify(result.text));
  assert.equal(result.lines.length, 2);
  for (const line of result.lines) {
    // Top edge rises to the right at about 15° (image y grows downwards).
    const [[x0, y0], [x1, y1]] = line.box.polygon as [[number, number], [number, number]];
    const degrees = (Math.atan2(y0 - y1, x1 - x0) * 180) / Math.PI;
    assert.ok(Math.abs(degrees - 15) < 3, `top edge at ${degrees.toFixed(1)}°: ${JSON.stringify(line.box.polygon)}`);
  }
});

void test('an upside-down page is read through the direction classifier, in the upright reading order', async () => {
  const lines = [
    { text: '文字识别方向分类', size: 34 },
    { text: 'Upside down text', size: 30 },
  ];
  const page = await renderTextLines(lines, { turned: true });
  const [turned] = await read([page.png], { use_angle_cls: true });
  assert.ok(turned);
  assert.equal(turned.angle, 180);
  assert.ok(pageAccuracy(page, turned) >= 0.9, JSON.stringify(turned.text));
  assertLinesWhereDrawn(page.lines, turned);
  // Reading order follows the page turned upright: the first drawn line (now at the bottom) comes first.
  assert.ok(characterAccuracy(lines[0]!.text, turned.lines[0]?.text ?? '') >= 0.8, JSON.stringify(turned.text));
  // The same page upright keeps angle 0 and the same text.
  const upright = await renderTextLines(lines);
  const [straight] = await read([upright.png], { use_angle_cls: true });
  assert.equal(straight?.angle, 0);
  assert.ok(editDistance(withoutSpaces(straight?.text ?? ''), withoutSpaces(turned.text)) <= 1, `${straight?.text} vs ${turned.text}`);
});

void test('a batch of three images returns three results in order; a blank image reads as nothing', async () => {
  const pages = await Promise.all([
    renderTextLines([{ text: '第一张图片', size: 30 }]),
    renderTextLines([{ text: 'Second image', size: 30 }]),
    renderTextLines([{ text: '第三张 third', size: 30 }]),
  ]);
  const results = await read(pages.map((page) => page.png));
  results.forEach((result, index) => {
    assert.ok(pageAccuracy(pages[index]!, result) >= 0.9, `image ${index}: ${JSON.stringify(result.text)}`);
  });
  const blank = await sharp({ create: { width: 320, height: 120, channels: 3, background: '#ffffff' } }).png().toBuffer();
  const [nothing] = await read([blank.toString('base64')]);
  assert.deepEqual(nothing, { text: '', lines: [] });
});

void test('parameters: min_score drops lines, det_threshold and max_side are honoured', async () => {
  const page = await renderTextLines([{ text: '参数测试 parameters', size: 36 }]);
  const [none] = await read([page.png], { min_score: 1 });
  assert.equal(none?.lines.length, 0);
  // A detection threshold above every probability finds no text.
  const [blind] = await read([page.png], { det_threshold: 1 });
  assert.equal(blind?.text, '');
  // With a tiny detector input, whatever is found is still mapped back to image pixels.
  const [coarse] = await read([page.png], { max_side: 64 });
  for (const line of coarse?.lines ?? []) assert.ok(line.box.xmax <= page.width && line.box.ymax <= page.height);
  const [fine] = await read([page.png], { max_side: 1280, box_threshold: 0.5 });
  assert.ok(pageAccuracy(page, fine!) >= 0.9, JSON.stringify(fine?.text));
});

void test('undecodable images fail with IMAGE_DECODE_FAILED', async () => {
  const page = await renderTextLines([{ text: '截断的图片', size: 30 }]);
  await assertCodeRejects(read([page.png.subarray(0, Math.floor(page.png.length / 2))]), 'IMAGE_DECODE_FAILED');
  await assertCodeRejects(read([new TextEncoder().encode('this is plain text, not an image at all')]), 'IMAGE_DECODE_FAILED');
  await assertCodeRejects(read(['bm90IGFuIGltYWdl']), 'IMAGE_DECODE_FAILED');
});

void test('a configuration naming a missing or garbage .onnx file fails with MODEL_LOAD_FAILED', async () => {
  assert.ok(snapshot);
  const configuration = snapshot.configuration as { model: Record<string, unknown> };
  const build = async (name: string, model: Record<string, unknown>, extra: Record<string, Uint8Array> = {}) => {
    const dir = join(scratch, name);
    await mkdir(dir);
    for (const file of ['ch_PP-OCRv4_det_infer.onnx', 'ch_PP-OCRv4_rec_infer.onnx', 'ppocr_keys_v1.txt']) await copyFile(join(snapshot!.dir, file), join(dir, file));
    for (const [file, bytes] of Object.entries(extra)) await writeFile(join(dir, file), bytes);
    await writeFile(join(dir, 'configuration.json'), JSON.stringify({ ...snapshot!.configuration, model: { ...configuration.model, ...model } }));
    return openSnapshot(dir, `test/${name}`, '1'.repeat(40));
  };
  await assertCodeRejects(load(await build('missing', { cls: 'not-there.onnx' })), 'MODEL_LOAD_FAILED');
  await assertCodeRejects(load(await build('garbage', { det: 'garbage.onnx' }, { 'garbage.onnx': new TextEncoder().encode('version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 1\n') })), 'MODEL_LOAD_FAILED');
  // Starts like a protobuf but is not a model.
  await assertCodeRejects(load(await build('truncated', { rec: 'broken.onnx' }, { 'broken.onnx': new Uint8Array([0x08, 0x07, 0x12, 0xff, 0xff, 0xff, 0x01, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9]) })), 'MODEL_LOAD_FAILED');
  await assertCodeRejects(load(await build('traversal', { dict: '../../etc/passwd' })), 'MODEL_LOAD_FAILED');
  // A dictionary that does not match the recogniser's classes would read garbage.
  await assertCodeRejects(load(await build('short-dict', { dict: 'short.txt' }, { 'short.txt': new TextEncoder().encode('a\nb\nc\n') })), 'MODEL_LOAD_FAILED');
  await assertCodeRejects(load(await build('no-files', { det: undefined })), 'MODEL_LOAD_FAILED');
});
