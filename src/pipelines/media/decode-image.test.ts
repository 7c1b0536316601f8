// decodeImage's PNG fast path: the PNGs it reads itself decode exactly as sharp decodes them, the
// ones it hands to sharp (palette, 16-bit, interlaced, EXIF orientation) still decode correctly, and
// damaged or oversized PNGs fail with the same errors as before.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateSync } from 'node:zlib';
import sharp, { type PngOptions } from 'sharp';
import { isModaError } from '../../errors/moda-error.js';
import { decodeImage } from './decode-image.js';

const WIDTH = 37;
const HEIGHT = 23;
const options = { maxPixels: 1_000_000 };

/** Pixels that vary in every direction (so every PNG filter type gets chosen) and a full range of alpha. */
function pattern(channels: number, width = WIDTH, height = HEIGHT): Buffer {
  const pixels = Buffer.alloc(width * height * channels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (Math.round(127 * Math.sin(i * 0.37)) + 128 + 13 * (i % 7)) & 255;
  return pixels;
}

async function encode(channels: 1 | 2 | 3 | 4, png: PngOptions = {}): Promise<Buffer> {
  return sharp(pattern(channels), { raw: { width: WIDTH, height: HEIGHT, channels } }).png(png).toBuffer();
}

/** What sharp makes of a PNG: the decoding decodeImage must match. */
async function sharpRgb(png: Buffer): Promise<Buffer> {
  return sharp(png).rotate().flatten({ background: '#ffffff' }).toColourspace('srgb').removeAlpha().raw().toBuffer();
}

function chunkTypes(png: Buffer): string[] {
  const types: string[] = [];
  for (let at = 8; at < png.length; at += 12 + png.readUInt32BE(at)) types.push(png.toString('latin1', at + 4, at + 8));
  return types;
}

/** A PNG's chunks rebuilt with one chunk's data replaced (CRCs are not checked on the fast path, so zeros do). */
function withChunk(png: Buffer, type: string, data: Buffer): Buffer {
  const parts: Buffer[] = [png.subarray(0, 8)];
  for (let at = 8; at < png.length; at += 12 + png.readUInt32BE(at)) {
    const current = png.toString('latin1', at + 4, at + 8);
    if (current !== type) parts.push(png.subarray(at, at + 12 + png.readUInt32BE(at)));
    else if (!parts.some((part) => part.toString('latin1', 4, 8) === type)) {
      const header = Buffer.alloc(8);
      header.writeUInt32BE(data.length, 0);
      header.write(type, 4, 'latin1');
      parts.push(header, data, Buffer.alloc(4));
    }
  }
  return Buffer.concat(parts);
}

const isCode = (code: string) => (error: unknown) => isModaError(error) && error.code === code;

void test('8-bit grey, grey + alpha, RGB and RGBA PNGs decode exactly as sharp decodes them', async () => {
  for (const channels of [1, 2, 3, 4] as const) {
    for (const adaptiveFiltering of [true, false]) {
      const png = await encode(channels, { adaptiveFiltering, compressionLevel: 9 });
      const image = await decodeImage(png, options);
      assert.deepEqual({ width: image.width, height: image.height, channels: image.channels }, { width: WIDTH, height: HEIGHT, channels: 3 });
      assert.ok(image.data.equals(await sharpRgb(png)), `${channels} channels, adaptive filtering ${adaptiveFiltering}`);
    }
  }
  // Split IDAT chunks are one zlib stream.
  const split = await sharp(pattern(4, 400, 300), { raw: { width: 400, height: 300, channels: 4 } }).png({ compressionLevel: 0 }).toBuffer();
  assert.ok(chunkTypes(split).filter((type) => type === 'IDAT').length > 1);
  assert.ok((await decodeImage(split, options)).data.equals(await sharpRgb(split)));
});

void test('palette, 16-bit, interlaced and EXIF-oriented PNGs still decode through sharp', async () => {
  for (const png of [await encode(4, { palette: true }), await encode(3, { progressive: true }), await sharp(pattern(3), { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).toColourspace('rgb16').png().toBuffer()]) {
    const image = await decodeImage(png, options);
    assert.equal(image.width * image.height, WIDTH * HEIGHT);
    assert.ok(image.data.equals(await sharpRgb(png)));
  }
  const turned = await sharp(pattern(3), { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).withMetadata({ orientation: 6 }).png().toBuffer();
  assert.ok(chunkTypes(turned).includes('eXIf'));
  const image = await decodeImage(turned, options);
  assert.deepEqual([image.width, image.height], [HEIGHT, WIDTH]);
});

void test('damaged, oversized and bomb PNGs fail as sharp fails them', async () => {
  const png = await encode(3);
  await assert.rejects(decodeImage(png.subarray(0, png.length - 30), options), isCode('IMAGE_DECODE_FAILED'));
  await assert.rejects(decodeImage(withChunk(png, 'IDAT', Buffer.from('not a zlib stream')), options), isCode('IMAGE_DECODE_FAILED'));
  // Rows of filter type 9 (there are five, 0–4).
  const badFilter = Buffer.alloc(HEIGHT * (1 + 3 * WIDTH));
  for (let row = 0; row < HEIGHT; row++) badFilter[row * (1 + 3 * WIDTH)] = 9;
  await assert.rejects(decodeImage(withChunk(png, 'IDAT', deflateSync(badFilter)), options), isCode('IMAGE_DECODE_FAILED'));
  // Ten times the pixels the header promises, compressed to a few KB.
  await assert.rejects(decodeImage(withChunk(png, 'IDAT', deflateSync(Buffer.alloc(10 * badFilter.length))), options), isCode('IMAGE_DECODE_FAILED'));
  await assert.rejects(decodeImage(png, { maxPixels: WIDTH * HEIGHT - 1 }), isCode('IMAGE_TOO_LARGE'));
});
