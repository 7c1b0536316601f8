// The `ppocr` pipeline without a detector (moda/ocr-ppocrv4-rec-zh): each image is read as one text
// line, whole, with a box covering the image; a batch keeps its order; a configuration naming no
// recogniser is refused.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { isModaError } from '../../errors/moda-error.js';
import { ocr } from '../../tasks/ocr.js';
import type { LoadedPipeline, RunContext } from '../pipeline-implementation.js';
import { characterAccuracy, renderTextImage } from '../../../test/fixtures/render-text-image.js';
import { catalogSnapshot } from '../../../test/helpers/catalog-snapshot.js';
import { ppocrPipeline, type OcrResult } from './ppocr-pipeline.js';
import type { ModelSnapshot } from '../../runtime/model-snapshot.js';

const context: RunContext = { maxImagePixels: 40_000_000, fetch: globalThis.fetch };
const LINES = ['深度学习模型服务平台', 'Invoice Total 128.50', '今天天气很好 Hello'];
let snapshot: ModelSnapshot;
let pipeline: LoadedPipeline;

before(async () => {
  snapshot = await catalogSnapshot('ocr-ppocrv4-rec-zh');
  pipeline = await ppocrPipeline.load(snapshot, { task: 'ocr', device: 'cpu', threads: 0 });
});

after(async () => {
  await pipeline?.dispose();
  if (snapshot) await rm(snapshot.dir, { recursive: true, force: true });
});

void test('each image is read whole as one line, batch order kept', async () => {
  const images = await Promise.all(LINES.map((text) => renderTextImage({ width: 320, height: 48 }, [{ text, size: 26, left: 6, top: 8 }])));
  const results = (await pipeline.run(images.map((image) => image.png), {}, context)) as OcrResult[];
  assert.equal(results.length, LINES.length);
  results.forEach((result, index) => {
    assert.ok(Value.Check(ocr.output, result), JSON.stringify([...Value.Errors(ocr.output, result)][0]));
    assert.equal(result.lines.length, 1);
    assert.equal(characterAccuracy(LINES[index]!, result.text), 1, `"${LINES[index]}" read as "${result.text}"`);
    assert.deepEqual(result.lines[0]!.box, { xmin: 0, ymin: 0, xmax: 320, ymax: 48, polygon: [[0, 0], [320, 0], [320, 48], [0, 48]] });
    assert.ok(result.lines[0]!.score > 0.9 && result.lines[0]!.score <= 1);
  });
});

void test('a blank image reads as no line; a configuration without a recogniser is refused', async () => {
  const blank = await renderTextImage({ width: 320, height: 48 }, []);
  const [result] = (await pipeline.run([blank.png], {}, context)) as OcrResult[];
  assert.deepEqual(result, { text: '', lines: [] });
  const configuration = snapshot.configuration!;
  const model = { ...configuration.model };
  delete (model as Record<string, unknown>).rec;
  await assert.rejects(ppocrPipeline.load({ ...snapshot, configuration: { ...configuration, model } }, { task: 'ocr', device: 'cpu', threads: 0 }), (error: unknown) => isModaError(error) && error.code === 'MODEL_LOAD_FAILED');
});
