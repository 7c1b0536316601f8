// PP-OCR text detection: the image is resized so both sides are multiples of 32 within a side
// limit, normalised, run through the DB detector, and the boxes found on its probability map are
// scaled back to the image's pixels.
import sharp from 'sharp';
import { ModaError } from '../../errors/moda-error.js';
import type { OnnxModel } from '../../runtime/engines/onnx-engine.js';
import { findTextBoxes, type FindTextBoxesOptions } from './find-text-boxes.js';
import type { Point, Quad } from './quad.js';
import { quadSize } from './quad.js';
import { runSession, type InferenceTally } from './run-session.js';
import type { ChannelNormalization, RgbImage } from './sample-text-line.js';

export interface DetectorSettings extends FindTextBoxesOptions {
  /** Side length the resized image is held to: at most (`max`) or at least (`min`). */
  limitSideLength: number;
  limitType: 'max' | 'min';
  normalization: ChannelNormalization;
}

export interface DetectedBox {
  /** In image pixels, clockwise from top-left. */
  quad: Quad;
  score: number;
}

const STRIDE = 32;
/** Boxes at most this many pixels wide or tall are dropped after scaling back (PaddleOCR's filter_tag_det_res). */
const MIN_SIDE_PIXELS = 3;
/** No side of the detector input exceeds this, whatever the settings, to bound its memory. */
const MAX_INPUT_SIDE = 4096;

/** The detector input size: PaddleOCR's DetResizeForTest. */
export function detectorInputSize(width: number, height: number, limit: number, limitType: 'max' | 'min'): { width: number; height: number } {
  let ratio = 1;
  if (limitType === 'max' && Math.max(width, height) > limit) ratio = limit / Math.max(width, height);
  if (limitType === 'min' && Math.min(width, height) < limit) ratio = limit / Math.min(width, height);
  const side = (length: number) => Math.min(MAX_INPUT_SIDE, Math.max(STRIDE, Math.round(Math.floor(length * ratio) / STRIDE) * STRIDE));
  return { width: side(width), height: side(height) };
}

export async function detectTextBoxes(model: OnnxModel, image: RgbImage, settings: DetectorSettings, tally?: InferenceTally): Promise<DetectedBox[]> {
  const size = detectorInputSize(image.width, image.height, settings.limitSideLength, settings.limitType);
  const pixels =
    size.width === image.width && size.height === image.height
      ? image.data
      : await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
          .resize(size.width, size.height, { fit: 'fill', kernel: 'linear' })
          .raw()
          .toBuffer();
  const input = planarInput(pixels, size.width * size.height, settings.normalization);
  const output = await runSession(model, input, [1, 3, size.height, size.width], tally);
  if (output.type !== 'float32' || output.dims.length !== 4 || output.dims[2] !== size.height || output.dims[3] !== size.width) {
    throw new ModaError('MODEL_INFERENCE_FAILED', `the detector answered a ${output.type} tensor [${output.dims.join(', ')}]; expected float32 [1, 1, ${size.height}, ${size.width}]`);
  }
  const found = findTextBoxes(output.data as Float32Array, size.width, size.height, settings);
  const scaleX = image.width / size.width;
  const scaleY = image.height / size.height;
  const clamp = (value: number, max: number) => Math.min(max, Math.max(0, value));
  const boxes: DetectedBox[] = [];
  for (const box of found) {
    const quad = box.quad.map(([x, y]): Point => [clamp(x * scaleX, image.width), clamp(y * scaleY, image.height)]) as Quad;
    const { width, height } = quadSize(quad);
    if (width > MIN_SIDE_PIXELS && height > MIN_SIDE_PIXELS) boxes.push({ quad, score: box.score });
  }
  return boxes;
}

/** Interleaved RGB bytes to normalised [3, h, w] planes in the model's channel order, via lookup tables. */
function planarInput(pixels: Uint8Array, count: number, normalization: ChannelNormalization): Float32Array {
  const input = new Float32Array(3 * count);
  const tables = [0, 1, 2].map((channel) => Float32Array.from({ length: 256 }, (_, value) => value * normalization.scale[channel]! + normalization.shift[channel]!));
  const [t0, t1, t2] = tables as [Float32Array, Float32Array, Float32Array];
  const [s0, s1, s2] = normalization.source;
  for (let index = 0, at = 0; index < count; index++, at += 3) {
    input[index] = t0[pixels[at + s0]!]!;
    input[index + count] = t1[pixels[at + s1]!]!;
    input[index + 2 * count] = t2[pixels[at + s2]!]!;
  }
  return input;
}
