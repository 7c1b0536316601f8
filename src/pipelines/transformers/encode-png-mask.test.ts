// Masks must be the single-channel PNGs the image-segmentation schema promises, not RGB copies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { encodePngMask } from './encode-png-mask.js';

void test('a mask is a one-channel PNG with the first channel of each pixel', async () => {
  // 2 × 2 pixels with 2 channels each: only the first channel counts.
  const png = Buffer.from(await encodePngMask([255, 7, 0, 7, 0, 9, 255, 9], 2, 2, 2), 'base64');
  const metadata = await sharp(png).metadata();
  assert.equal(metadata.channels, 1);
  assert.deepEqual([metadata.width, metadata.height], [2, 2]);
  const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([...data].filter((_, index) => index % 3 === 0), [255, 0, 0, 255], 'sharp expands the grey pixels to RGB when reading');
});
