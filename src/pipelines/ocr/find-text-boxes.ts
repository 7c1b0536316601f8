// DB post-processing: turns the detector's text-probability map into rotated boxes. Threshold the
// map, label 8-connected regions, fit each a minimum-area rectangle, keep those whose mean
// probability clears the box threshold, then grow each by the DB unclip distance
// (area × ratio / perimeter), as PaddleOCR's DBPostProcess does with contours and Clipper.
import { minAreaRect, rectCorners, type RotatedRect } from './min-area-rect.js';
import type { Quad } from './quad.js';

export interface FindTextBoxesOptions {
  /** Pixels with probability above this are text. */
  threshold: number;
  /** A region's mean probability inside its rectangle must reach this. */
  boxThreshold: number;
  unclipRatio: number;
  /** Shorter side, in map pixels, below which a region is noise. */
  minSize: number;
  maxCandidates: number;
}

export interface FoundBox {
  /** In probability-map pixels. */
  quad: Quad;
  score: number;
}

/** Rotated boxes in the map's pixel coordinates, in the order their regions were first met (row-major). */
export function findTextBoxes(probability: Float32Array, width: number, height: number, options: FindTextBoxesOptions): FoundBox[] {
  const size = width * height;
  const pending = new Uint8Array(size);
  for (let index = 0; index < size; index++) pending[index] = probability[index]! > options.threshold ? 1 : 0;
  // Breadth-first fill whose queue is never shrunk, so queue[0, tail) is the region's pixels.
  const queue = new Int32Array(size);
  const rowMin = new Int32Array(height);
  const rowMax = new Int32Array(height);
  const boxes: FoundBox[] = [];
  let regions = 0;
  for (let seed = 0; seed < size && regions < options.maxCandidates; seed++) {
    if (pending[seed] === 0) continue;
    regions++;
    pending[seed] = 0;
    queue[0] = seed;
    let tail = 1;
    let top = height;
    let bottom = -1;
    for (let head = 0; head < tail; head++) {
      const index = queue[head]!;
      const y = (index / width) | 0;
      const x = index - y * width;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
      const x0 = x > 0 ? x - 1 : x;
      const x1 = x < width - 1 ? x + 1 : x;
      const y0 = y > 0 ? y - 1 : y;
      const y1 = y < height - 1 ? y + 1 : y;
      for (let ny = y0; ny <= y1; ny++) {
        for (let nx = x0; nx <= x1; nx++) {
          const neighbour = ny * width + nx;
          if (pending[neighbour] === 1) {
            pending[neighbour] = 0;
            queue[tail++] = neighbour;
          }
        }
      }
    }
    const rect = regionRect(queue, tail, width, top, bottom, rowMin, rowMax);
    if (Math.min(rect.width, rect.height) < options.minSize) continue;
    const score = meanInside(probability, width, height, rect);
    if (score < options.boxThreshold) continue;
    const grown = unclip(rect, options.unclipRatio);
    if (Math.min(grown.width, grown.height) < options.minSize + 2) continue;
    boxes.push({ quad: rectCorners(grown), score });
  }
  return boxes;
}

/** Minimum-area rectangle of a region, fitted to the leftmost and rightmost pixel of each of its rows. */
function regionRect(pixels: Int32Array, count: number, width: number, top: number, bottom: number, rowMin: Int32Array, rowMax: Int32Array): RotatedRect {
  rowMin.fill(width, top, bottom + 1);
  rowMax.fill(-1, top, bottom + 1);
  for (let index = 0; index < count; index++) {
    const pixel = pixels[index]!;
    const y = (pixel / width) | 0;
    const x = pixel - y * width;
    if (x < rowMin[y]!) rowMin[y] = x;
    if (x > rowMax[y]!) rowMax[y] = x;
  }
  // Sorted by (y, x) by construction, as the hull wants.
  const points = new Float64Array(4 * (bottom - top + 1));
  let n = 0;
  for (let y = top; y <= bottom; y++) {
    points[2 * n] = rowMin[y]!;
    points[2 * n + 1] = y;
    n++;
    if (rowMax[y] !== rowMin[y]) {
      points[2 * n] = rowMax[y]!;
      points[2 * n + 1] = y;
      n++;
    }
  }
  return minAreaRect(points, n);
}

/** Mean probability of the pixels whose centres fall inside the rectangle (PaddleOCR's "fast" score). */
function meanInside(probability: Float32Array, width: number, height: number, rect: RotatedRect): number {
  const { cx, cy, ux, uy } = rect;
  // Half a pixel of slack matches fillPoly, which includes pixels the boundary passes through.
  const halfU = rect.width / 2 + 0.5;
  const halfV = rect.height / 2 + 0.5;
  const reachX = Math.abs(ux) * halfU + Math.abs(uy) * halfV;
  const reachY = Math.abs(uy) * halfU + Math.abs(ux) * halfV;
  const xStart = Math.max(0, Math.floor(cx - reachX));
  const xEnd = Math.min(width - 1, Math.ceil(cx + reachX));
  const yStart = Math.max(0, Math.floor(cy - reachY));
  const yEnd = Math.min(height - 1, Math.ceil(cy + reachY));
  let sum = 0;
  let count = 0;
  for (let y = yStart; y <= yEnd; y++) {
    const dy = y - cy;
    const row = y * width;
    for (let x = xStart; x <= xEnd; x++) {
      const dx = x - cx;
      if (Math.abs(dx * ux + dy * uy) <= halfU && Math.abs(dy * ux - dx * uy) <= halfV) {
        sum += probability[row + x]!;
        count++;
      }
    }
  }
  return count === 0 ? 0 : sum / count;
}

/**
 * DB's unclip: offsetting a rectangle by d with round joins and taking the minimum-area rectangle
 * of the result, as PaddleOCR does with Clipper, is the rectangle grown by d on every side.
 */
function unclip(rect: RotatedRect, ratio: number): RotatedRect {
  const perimeter = 2 * (rect.width + rect.height);
  const distance = perimeter === 0 ? 0 : (rect.width * rect.height * ratio) / perimeter;
  return { ...rect, width: rect.width + 2 * distance, height: rect.height + 2 * distance };
}
