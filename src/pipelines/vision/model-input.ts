// What every tfjs vision pipeline does to an input before its model: check it is an image value,
// decode it (EXIF-rotated, bounded), resize it with sharp (native, not per-pixel JS) and scale it to
// the float range the model was trained on.
import sharp, { type Metadata } from 'sharp';
import { ModaError } from '../../errors/moda-error.js';
import type { ModelConfiguration } from '../../runtime/model-configuration.js';
import type { ImageSource } from '../../tasks/values.js';
import { decodeImage, imageBytes, type DecodedImage } from '../media/decode-image.js';
import type { RunContext } from '../pipeline-implementation.js';

export function imageSource(input: unknown, task: string): ImageSource {
  if (typeof input === 'string' || input instanceof Uint8Array) return input;
  throw new ModaError('TASK_INPUT_INVALID', `the ${task} input must be an image: bytes, base64, a data: URI or an http(s) URL`);
}

export function decodeInput(input: unknown, task: string, context: RunContext): Promise<DecodedImage> {
  context.signal?.throwIfAborted();
  return decodeImage(imageSource(input, task), { maxPixels: context.maxImagePixels, fetch: context.fetch, ...(context.signal ? { signal: context.signal } : {}) });
}

export interface ResizedImage {
  /** width × height × 3 floats, row-major RGB, already scaled. */
  pixels: Float32Array;
  /** The input's size after EXIF orientation: the frame output coordinates refer to. */
  originalWidth: number;
  originalHeight: number;
}

/**
 * Decodes and stretches an image to width × height in one sharp pipeline. Same checks as
 * decodeImage, but JPEG shrink-on-load skips most of a large photo's pixels: measured here, a
 * 4000×2663 JPEG to 512×512 took 46–84 ms this way against 220–370 ms decoding it fully first.
 */
export async function decodeResized(input: unknown, task: string, context: RunContext, width: number, height: number, scale: number): Promise<ResizedImage> {
  context.signal?.throwIfAborted();
  const options = { maxPixels: context.maxImagePixels, fetch: context.fetch, ...(context.signal ? { signal: context.signal } : {}) };
  const bytes = await imageBytes(imageSource(input, task), options);
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new ModaError('IMAGE_DECODE_FAILED', 'the image is not in a format Moda can read (PNG, JPEG, WebP, GIF, TIFF, AVIF)', { cause: error });
  }
  const pixelCount = (metadata.width ?? 0) * (metadata.height ?? 0);
  if (pixelCount === 0) throw new ModaError('IMAGE_DECODE_FAILED', 'the image has no pixels');
  if (pixelCount > options.maxPixels) throw new ModaError('IMAGE_TOO_LARGE', `the image has ${metadata.width}×${metadata.height} pixels, more than the ${options.maxPixels} allowed`);
  let resized: Buffer;
  try {
    resized = await sharp(bytes, { limitInputPixels: options.maxPixels, failOn: 'error' })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .resize(width, height, { fit: 'fill' })
      .raw()
      .toBuffer();
  } catch (error) {
    throw new ModaError('IMAGE_DECODE_FAILED', 'the image is truncated or corrupt', { cause: error });
  }
  if (resized.length !== width * height * 3) throw new ModaError('IMAGE_DECODE_FAILED', 'the image did not decode to RGB');
  const pixels = new Float32Array(resized.length);
  for (let i = 0; i < resized.length; i++) pixels[i] = resized[i]! * scale;
  return { pixels, originalWidth: metadata.autoOrient.width, originalHeight: metadata.autoOrient.height };
}

/**
 * tf.image.resizeBilinear(image, [height, width], alignCorners = true) computed straight from the
 * decoded bytes, × scale. Models trained or published with that resize (nsfwjs) score borderline
 * photos differently under an anti-aliased resize, so this reproduces it exactly; it reads four
 * source pixels per output pixel, so its cost does not grow with the input size.
 */
export function bilinearAlignCorners(image: DecodedImage, width: number, height: number, scale: number): Float32Array {
  const { data, width: sourceWidth, height: sourceHeight } = image;
  const pixels = new Float32Array(width * height * 3);
  const ratioY = height > 1 ? (sourceHeight - 1) / (height - 1) : 0;
  const ratioX = width > 1 ? (sourceWidth - 1) / (width - 1) : 0;
  let out = 0;
  for (let y = 0; y < height; y++) {
    const sourceY = y * ratioY;
    const top = Math.floor(sourceY);
    const bottom = Math.min(sourceHeight - 1, Math.ceil(sourceY));
    const dy = sourceY - top;
    for (let x = 0; x < width; x++) {
      const sourceX = x * ratioX;
      const left = Math.floor(sourceX);
      const right = Math.min(sourceWidth - 1, Math.ceil(sourceX));
      const dx = sourceX - left;
      const topLeft = (top * sourceWidth + left) * 3;
      const topRight = (top * sourceWidth + right) * 3;
      const bottomLeft = (bottom * sourceWidth + left) * 3;
      const bottomRight = (bottom * sourceWidth + right) * 3;
      for (let channel = 0; channel < 3; channel++) {
        const upper = data[topLeft + channel]! + (data[topRight + channel]! - data[topLeft + channel]!) * dx;
        const lower = data[bottomLeft + channel]! + (data[bottomRight + channel]! - data[bottomLeft + channel]!) * dx;
        pixels[out++] = (upper + (lower - upper) * dy) * scale;
      }
    }
  }
  return pixels;
}

/** `id2label` of configuration.json as an array, checked to name exactly `count` classes when count is known. */
export function labelsFrom(configuration: ModelConfiguration | undefined, count?: number): string[] {
  const id2label = configuration?.id2label;
  if (!id2label) throw new ModaError('MODEL_LOAD_FAILED', 'configuration.json has no id2label');
  const labels: string[] = [];
  for (const [key, label] of Object.entries(id2label)) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index >= 100_000 || String(index) !== key) throw new ModaError('MODEL_LOAD_FAILED', `configuration.json id2label key "${key}" is not a class index`);
    labels[index] = label;
  }
  // Keys are distinct canonical integers, so as many keys as the highest index + 1 means no gaps.
  if (labels.length !== Object.keys(id2label).length) {
    throw new ModaError('MODEL_LOAD_FAILED', 'configuration.json id2label must number its classes 0, 1, 2, … without gaps');
  }
  if (count !== undefined && labels.length !== count) throw new ModaError('MODEL_LOAD_FAILED', `the model has ${count} classes but id2label names ${labels.length}`);
  return labels;
}

/** A run-time failure inside the engine, as the catalog's code; ModaErrors pass through. */
export function inferenceFailed(error: unknown): ModaError {
  if (error instanceof ModaError) return error;
  return new ModaError('MODEL_INFERENCE_FAILED', `TensorFlow.js failed: ${(error as Error).message}`, { cause: error });
}

export function roundTo(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
