// readImageHeader: for every PNG colour type and JPEG kind sharp writes it reads the width, height
// and bands sharp's metadata() reports; damaged, truncated or foreign bytes give undefined (never a
// throw, never a wrong size); and prepareMediaInputs refuses a huge image from its header alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import sharp from 'sharp';
import { isModaError } from '../../errors/moda-error.js';
import { getTask } from '../../tasks/catalog.js';
import { parseFetchAllowlist } from './fetch-allowlist.js';
import { prepareMediaInputs } from './prepare-media-inputs.js';
import { readImageHeader } from './read-image-header.js';

function pattern(width: number, height: number, channels: number): Buffer {
  const pixels = Buffer.alloc(width * height * channels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37 + (i >> 5) * 11) & 255;
  return pixels;
}

function raw(width: number, height: number, channels: 1 | 2 | 3 | 4) {
  return sharp(pattern(width, height, channels), { raw: { width, height, channels } });
}

async function assertMatchesSharp(bytes: Buffer, format: 'png' | 'jpeg', label: string): Promise<void> {
  const metadata = await sharp(bytes).metadata();
  assert.deepEqual(readImageHeader(bytes), { format, width: metadata.width, height: metadata.height, channels: metadata.channels }, label);
}

void test('PNG: every colour type sharp writes, palette with and without transparency, 16-bit and interlaced', async () => {
  const cases: [string, Promise<Buffer>][] = [
    ['grey', raw(37, 23, 1).png().toBuffer()],
    ['grey + alpha', raw(37, 23, 2).png().toBuffer()],
    ['rgb', raw(320, 48, 3).png().toBuffer()],
    ['rgba', raw(5, 700, 4).png().toBuffer()],
    ['palette', raw(37, 23, 3).png({ palette: true, colours: 16 }).toBuffer()],
    ['palette + tRNS', raw(37, 23, 4).png({ palette: true, colours: 16 }).toBuffer()],
    ['16-bit', raw(37, 23, 3).toColourspace('rgb16').png().toBuffer()],
    ['interlaced', raw(37, 23, 3).png({ progressive: true }).toBuffer()],
    ['1×1', raw(1, 1, 3).png().toBuffer()],
  ];
  for (const [label, bytes] of cases) await assertMatchesSharp(await bytes, 'png', label);
});

void test('JPEG: baseline, progressive, greyscale, with EXIF and CMYK', async () => {
  const cases: [string, Promise<Buffer>][] = [
    ['baseline', raw(320, 240, 3).jpeg().toBuffer()],
    ['progressive', raw(641, 479, 3).jpeg({ progressive: true }).toBuffer()],
    ['greyscale', raw(37, 23, 1).jpeg().toBuffer()],
    ['exif orientation', raw(40, 20, 3).jpeg().withMetadata({ orientation: 6 }).toBuffer()],
    ['cmyk', raw(30, 20, 3).toColourspace('cmyk').jpeg().toBuffer()],
  ];
  for (const [label, bytes] of cases) await assertMatchesSharp(await bytes, 'jpeg', label);
});

/** A PNG made of its signature and an IHDR (CRCs are not checked by a header read). */
function pngHeader(width: number, height: number, colourType: number, ihdrLength = 13): Buffer {
  const bytes = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes, 0);
  bytes.writeUInt32BE(ihdrLength, 8);
  bytes.write('IHDR', 12, 'latin1');
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  bytes[24] = 8;
  bytes[25] = colourType;
  return bytes;
}

void test('bad PNG headers: truncated, IHDR of the wrong length or name, zero or out-of-range sides, unknown colour type', async () => {
  const good = await raw(37, 23, 3).png().toBuffer();
  for (let length = 0; length < 33; length++) assert.equal(readImageHeader(good.subarray(0, length)), undefined, `first ${length} bytes`);
  assert.equal(readImageHeader(pngHeader(10, 10, 2, 12)), undefined, 'IHDR length 12');
  const renamed = pngHeader(10, 10, 2);
  renamed.write('IHDX', 12, 'latin1');
  assert.equal(readImageHeader(renamed), undefined, 'chunk named IHDX');
  assert.equal(readImageHeader(pngHeader(0, 10, 2)), undefined, 'width 0');
  assert.equal(readImageHeader(pngHeader(10, 0, 2)), undefined, 'height 0');
  assert.equal(readImageHeader(pngHeader(0x80000000, 10, 2)), undefined, 'width 2^31');
  assert.equal(readImageHeader(pngHeader(10, 10, 5)), undefined, 'colour type 5');
  // The header alone is enough for a valid IHDR, even with no image data after it.
  assert.deepEqual(readImageHeader(pngHeader(0x7fffffff, 3, 6)), { format: 'png', width: 0x7fffffff, height: 3, channels: 4 });
});

void test('bad JPEG headers: truncated, no frame before the scan, a segment running past the end, garbage between segments, zero sides', async () => {
  const good = await raw(64, 32, 3).jpeg().toBuffer();
  const frame = good.findIndex((value, index) => value === 0xff && good[index + 1] === 0xc0);
  assert.ok(frame > 0);
  for (const length of [0, 1, 2, 3, 4, 20, frame, frame + 5, frame + 9]) assert.equal(readImageHeader(good.subarray(0, length)), undefined, `first ${length} bytes`);
  // Start of image, then straight into a scan.
  assert.equal(readImageHeader(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 1, 2, 3, 4, 5, 6])), undefined, 'scan before frame');
  // An APP0 segment claiming more bytes than there are.
  assert.equal(readImageHeader(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0xff, 0xf0, 0x4a, 0x46])), undefined, 'segment past the end');
  // A segment length below 2 cannot advance.
  assert.equal(readImageHeader(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01, 0x00, 0x00])), undefined, 'segment length 1');
  // A byte that is not a marker where one must be.
  assert.equal(readImageHeader(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x02, 0x12, 0x34, 0x56])), undefined, 'no marker');
  const zeroHeight = Buffer.from(good);
  zeroHeight.writeUInt16BE(0, frame + 5);
  assert.equal(readImageHeader(zeroHeight), undefined, 'height 0 (a DNL segment would say)');
  const zeroWidth = Buffer.from(good);
  zeroWidth.writeUInt16BE(0, frame + 7);
  assert.equal(readImageHeader(zeroWidth), undefined, 'width 0');
  const manyBands = Buffer.from(good);
  manyBands[frame + 9] = 9;
  assert.equal(readImageHeader(manyBands), undefined, '9 components');
});

void test('foreign and random bytes are never read as an image, and never throw', () => {
  for (const bytes of [Buffer.alloc(0), Buffer.from('GIF89a........'), Buffer.from('RIFF....WEBPVP8 '), Buffer.from('{"input": 1}')]) assert.equal(readImageHeader(bytes), undefined);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom([], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], [0xff, 0xd8, 0xff]), (tail, prefix) => {
      const header = readImageHeader(Buffer.concat([Buffer.from(prefix), tail]));
      if (header) assert.ok(header.width > 0 && header.height > 0 && header.channels >= 1 && header.channels <= 4);
    }),
    { numRuns: 2000 },
  );
});

void test('prepareMediaInputs refuses a PNG whose header declares too many pixels, before any decoding, and sizes a small one', async () => {
  const media = { fetchInputs: false, fetch: { allowlist: parseFetchAllowlist(''), maxBytes: 1_000_000, connectTimeoutMs: 1000 }, fetchTimeoutMs: 1000, fetchTotalBytes: 1_000_000, maxImagePixels: 1_000_000 };
  await assert.rejects(prepareMediaInputs(getTask('image-classification'), [new Uint8Array(pngHeader(100_000, 100_000, 2))], media), (error) => isModaError(error) && error.code === 'IMAGE_TOO_LARGE');
  const jpeg = await raw(320, 240, 3).jpeg().toBuffer();
  const prepared = await prepareMediaInputs(getTask('image-classification'), [new Uint8Array(jpeg)], media);
  assert.equal(prepared.decodeBytes, 320 * 240 * 3);
  // A GIF is sized by libvips, as before (it holds GIFs as RGBA).
  const gif = await raw(20, 10, 3).gif().toBuffer();
  assert.equal((await prepareMediaInputs(getTask('image-classification'), [new Uint8Array(gif)], media)).decodeBytes, 20 * 10 * 4);
});
