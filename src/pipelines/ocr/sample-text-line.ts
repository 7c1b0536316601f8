// Cuts one text line out of an image straight into a model's input tensor: the quad is mapped onto
// an out-width × out-height rectangle (bilinear in the quad's corners), each output pixel sampled
// bilinearly — averaged over a k × k grid when shrinking, so large text does not alias — then
// normalised into the tensor's planes. One pass replaces PaddleOCR's warpPerspective + resize + normalise.
import type { Quad } from './quad.js';

export interface RgbImage {
  /** Interleaved RGB, 8 bits per channel. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** Per model channel: which RGB channel feeds it and the affine map value × scale + shift. */
export interface ChannelNormalization {
  source: readonly [number, number, number];
  scale: readonly [number, number, number];
  shift: readonly [number, number, number];
}

/** `(x / 255 - mean) / std` per model channel, with model channels in `order`. */
export function channelNormalization(order: 'BGR' | 'RGB', mean: readonly number[], std: readonly number[]): ChannelNormalization {
  const source: [number, number, number] = order === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const scale = [0, 1, 2].map((c) => 1 / (255 * (std[c] ?? 1))) as [number, number, number];
  const shift = [0, 1, 2].map((c) => -(mean[c] ?? 0) / (std[c] ?? 1)) as [number, number, number];
  return { source, scale, shift };
}

/** A line to read: the image it is in, its quad in reading orientation and that quad's width / height. */
export interface TextLineCrop {
  image: RgbImage;
  quad: Quad;
  aspect: number;
}

export interface TensorSlot {
  /** A [batch, 3, height, width] tensor's data. */
  data: Float32Array;
  /** Start of this item: item × 3 × height × width. */
  offset: number;
  /** The tensor's width (the sampled line may be narrower; the rest stays as padding). */
  width: number;
  height: number;
}

const MAX_SUPERSAMPLING = 4;

export function sampleTextLine(image: RgbImage, quad: Quad, outWidth: number, slot: TensorSlot, normalization: ChannelNormalization): void {
  const { data, width, height } = image;
  const [[x0, y0], [x1, y1], [x2, y2], [x3, y3]] = quad;
  const outHeight = slot.height;
  const plane = slot.width * slot.height;
  const shrink = Math.max(Math.hypot(x1 - x0, y1 - y0) / outWidth, Math.hypot(x3 - x0, y3 - y0) / outHeight);
  const grid = Math.min(MAX_SUPERSAMPLING, Math.max(1, Math.ceil(shrink - 0.25)));
  const weight = 1 / (grid * grid);
  const [s0, s1, s2] = normalization.source;
  const k0 = normalization.scale[0] * weight;
  const k1 = normalization.scale[1] * weight;
  const k2 = normalization.scale[2] * weight;
  const [b0, b1, b2] = normalization.shift;
  const maxX = width - 1;
  const maxY = height - 1;
  const sums = new Float64Array(3 * outWidth);
  for (let v = 0; v < outHeight; v++) {
    sums.fill(0);
    for (let gy = 0; gy < grid; gy++) {
      // Along one sample row the corner blend is linear in s: point = start + s × step.
      const t = (v + (gy + 0.5) / grid) / outHeight;
      const startX = (1 - t) * x0 + t * x3 - 0.5;
      const startY = (1 - t) * y0 + t * y3 - 0.5;
      const stepX = (1 - t) * (x1 - x0) + t * (x2 - x3);
      const stepY = (1 - t) * (y1 - y0) + t * (y2 - y3);
      for (let sample = 0, columns = outWidth * grid; sample < columns; sample++) {
        const s = (sample + 0.5) / columns;
        let x = startX + s * stepX;
        let y = startY + s * stepY;
        // Outside the image the border pixel repeats (BORDER_REPLICATE).
        x = x < 0 ? 0 : x > maxX ? maxX : x;
        y = y < 0 ? 0 : y > maxY ? maxY : y;
        const xa = x | 0;
        const ya = y | 0;
        const fx = x - xa;
        const fy = y - ya;
        const right = xa < maxX ? 3 : 0;
        const down = ya < maxY ? 3 * width : 0;
        const p00 = (ya * width + xa) * 3;
        const p10 = p00 + down;
        const w00 = (1 - fx) * (1 - fy);
        const w01 = fx * (1 - fy);
        const w10 = (1 - fx) * fy;
        const w11 = fx * fy;
        const at = 3 * ((sample / grid) | 0);
        sums[at]! += w00 * data[p00 + s0]! + w01 * data[p00 + right + s0]! + w10 * data[p10 + s0]! + w11 * data[p10 + right + s0]!;
        sums[at + 1]! += w00 * data[p00 + s1]! + w01 * data[p00 + right + s1]! + w10 * data[p10 + s1]! + w11 * data[p10 + right + s1]!;
        sums[at + 2]! += w00 * data[p00 + s2]! + w01 * data[p00 + right + s2]! + w10 * data[p10 + s2]! + w11 * data[p10 + right + s2]!;
      }
    }
    const row = slot.offset + v * slot.width;
    for (let u = 0; u < outWidth; u++) {
      slot.data[row + u] = sums[3 * u]! * k0 + b0;
      slot.data[row + u + plane] = sums[3 * u + 1]! * k1 + b1;
      slot.data[row + u + 2 * plane] = sums[3 * u + 2]! * k2 + b2;
    }
  }
}
