// Turns any accepted image value (bytes, base64, data: URI, http(s) URL) into RGB pixels: EXIF
// orientation applied, alpha flattened onto white, pixel count bounded before the pixels are decoded.
import sharp, { type Metadata } from 'sharp';
import { ModaError } from '../../errors/moda-error.js';
import type { ImageSource } from '../../tasks/values.js';

export interface DecodedImage {
  /** Interleaved RGB, 8 bits per channel, row-major. */
  data: Buffer;
  width: number;
  height: number;
  channels: 3;
}

export interface ImageDecodeOptions {
  maxPixels: number;
  fetch?: typeof globalThis.fetch;
  signal?: AbortSignal;
  /** Largest encoded image fetched from a URL or decoded from base64. */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/** The encoded bytes behind an image value. */
export async function imageBytes(source: ImageSource, options: ImageDecodeOptions): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (source instanceof Uint8Array) return Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  if (typeof source !== 'string' || source.length === 0) throw new ModaError('IMAGE_DECODE_FAILED', 'the image is empty');
  if (/^https?:\/\//i.test(source)) return fetchImage(source, options, maxBytes);
  let base64 = source;
  if (source.startsWith('data:')) {
    const comma = source.indexOf(',');
    if (comma < 0 || !/;base64$/i.test(source.slice(0, comma))) throw new ModaError('IMAGE_DECODE_FAILED', 'a data: URI image must be base64-encoded');
    base64 = source.slice(comma + 1);
  }
  if (!BASE64.test(base64.slice(0, 4096)) || !BASE64.test(base64.slice(-4096))) {
    throw new ModaError('IMAGE_DECODE_FAILED', 'the image must be base64, a data: URI or an http(s) URL');
  }
  if ((base64.length * 3) / 4 > maxBytes) throw new ModaError('IMAGE_TOO_LARGE', `the encoded image is larger than ${maxBytes} bytes`);
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) throw new ModaError('IMAGE_DECODE_FAILED', 'the image is empty');
  return bytes;
}

async function fetchImage(url: string, options: ImageDecodeOptions, maxBytes: number): Promise<Buffer> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetchImpl(url, { signal: options.signal ?? null, redirect: 'follow' });
  } catch (error) {
    throw new ModaError('IMAGE_FETCH_FAILED', `could not fetch ${url}`, { cause: error });
  }
  if (!response.ok || !response.body) throw new ModaError('IMAGE_FETCH_FAILED', `fetching ${url} answered ${response.status}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Uint8Array).byteLength;
    if (size > maxBytes) throw new ModaError('IMAGE_TOO_LARGE', `the image at ${url} is larger than ${maxBytes} bytes`);
    chunks.push(Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks);
}

export async function decodeImage(source: ImageSource, options: ImageDecodeOptions): Promise<DecodedImage> {
  const bytes = await imageBytes(source, options);
  // One sharp pass: libvips checks the pixel bound from the header before decoding, so a huge
  // image costs nothing; the header is read again only to explain a failure.
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: options.maxPixels, failOn: 'error' })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { data, width: info.width, height: info.height, channels: 3 };
  } catch (error) {
    throw await explainFailure(bytes, options.maxPixels, error);
  }
}

async function explainFailure(bytes: Buffer, maxPixels: number, error: unknown): Promise<ModaError> {
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    return new ModaError('IMAGE_DECODE_FAILED', 'the image is not in a format Moda can read (PNG, JPEG, WebP, GIF, TIFF, AVIF)', { cause: error });
  }
  const pixels = (metadata.width ?? 0) * (metadata.height ?? 0);
  if (pixels > maxPixels) return new ModaError('IMAGE_TOO_LARGE', `the image has ${metadata.width}×${metadata.height} pixels, more than the ${maxPixels} allowed`, { cause: error });
  if (pixels === 0) return new ModaError('IMAGE_DECODE_FAILED', 'the image has no pixels', { cause: error });
  return new ModaError('IMAGE_DECODE_FAILED', 'the image is truncated or corrupt', { cause: error });
}
