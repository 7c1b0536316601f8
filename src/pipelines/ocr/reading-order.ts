// Reading order of detected lines: top to bottom, and left to right among lines on the same row
// (their tops within half a line height), as PaddleOCR's sorted_boxes does with a fixed 10 px.
import { quadSize, type Quad } from './quad.js';

/** Indices of `quads` in reading order; on an upside-down page, in the order of the page turned upright. */
export function readingOrder(quads: readonly Quad[], upsideDown = false): number[] {
  const keys = quads.map((quad) => {
    // The line's reading start: its top-left, or on a turned page the image's bottom-right corner.
    const [x, y] = upsideDown ? [-quad[2][0], -quad[2][1]] : quad[0];
    return { x, y, tolerance: quadSize(quad).height / 2 };
  });
  const order = keys.map((_, index) => index).sort((a, b) => keys[a]!.y - keys[b]!.y || keys[a]!.x - keys[b]!.x);
  for (let index = 1; index < order.length; index++) {
    for (let at = index; at > 0; at--) {
      const before = keys[order[at - 1]!]!;
      const after = keys[order[at]!]!;
      if (Math.abs(after.y - before.y) >= Math.min(before.tolerance, after.tolerance) || after.x >= before.x) break;
      [order[at - 1], order[at]] = [order[at]!, order[at - 1]!];
    }
  }
  return order;
}
