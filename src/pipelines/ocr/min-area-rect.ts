// The smallest rotated rectangle around a point set (OpenCV's minAreaRect): convex hull by Andrew's
// monotone chain, then the rectangle flush with each hull edge, keeping the one of least area.

export interface RotatedRect {
  cx: number;
  cy: number;
  /** Extent along (ux, uy), the axis closer to horizontal. */
  width: number;
  /** Extent along (-uy, ux), pointing down the image. */
  height: number;
  /** Unit vector of the width axis, with ux > 0 (or ux = 0 and uy > 0). */
  ux: number;
  uy: number;
}

function cross(points: Float64Array, o: number, a: number, b: number): number {
  return (points[2 * a]! - points[2 * o]!) * (points[2 * b + 1]! - points[2 * o + 1]!) - (points[2 * a + 1]! - points[2 * o + 1]!) * (points[2 * b]! - points[2 * o]!);
}

/**
 * Indices of the convex hull of `count` points stored as [x0, y0, x1, y1, …], which must already be
 * sorted lexicographically (by y then x here, which the monotone chain accepts as well as by x then y).
 */
export function convexHull(points: Float64Array, count: number): number[] {
  if (count < 3) return Array.from({ length: count }, (_, index) => index);
  const hull: number[] = [];
  for (let index = 0; index < count; index++) {
    while (hull.length >= 2 && cross(points, hull[hull.length - 2]!, hull[hull.length - 1]!, index) <= 0) hull.pop();
    hull.push(index);
  }
  const lower = hull.length + 1;
  for (let index = count - 2; index >= 0; index--) {
    while (hull.length >= lower && cross(points, hull[hull.length - 2]!, hull[hull.length - 1]!, index) <= 0) hull.pop();
    hull.push(index);
  }
  hull.pop();
  return hull;
}

/** Minimum-area rectangle around `count` points sorted by (y, x), stored as [x0, y0, x1, y1, …]. */
export function minAreaRect(points: Float64Array, count: number): RotatedRect {
  const hull = convexHull(points, count);
  let best = { area: Number.POSITIVE_INFINITY, ux: 1, uy: 0, minU: 0, maxU: 0, minV: 0, maxV: 0 };
  // Degenerate hulls (one point, or all points on a line) still get an edge to measure against.
  const edges = hull.length >= 2 ? hull.length : 1;
  for (let edge = 0; edge < edges; edge++) {
    const a = hull[edge] ?? 0;
    const b = hull[(edge + 1) % hull.length] ?? 0;
    let ux = points[2 * b]! - points[2 * a]!;
    let uy = points[2 * b + 1]! - points[2 * a + 1]!;
    const length = Math.hypot(ux, uy);
    if (length === 0) {
      ux = 1;
      uy = 0;
    } else {
      ux /= length;
      uy /= length;
    }
    let minU = Number.POSITIVE_INFINITY;
    let maxU = Number.NEGATIVE_INFINITY;
    let minV = Number.POSITIVE_INFINITY;
    let maxV = Number.NEGATIVE_INFINITY;
    for (const index of hull) {
      const x = points[2 * index]!;
      const y = points[2 * index + 1]!;
      const u = x * ux + y * uy;
      const v = -x * uy + y * ux;
      if (u < minU) minU = u;
      if (u > maxU) maxU = u;
      if (v < minV) minV = v;
      if (v > maxV) maxV = v;
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < best.area) best = { area, ux, uy, minU, maxU, minV, maxV };
  }
  const { ux, uy, minU, maxU, minV, maxV } = best;
  const midU = (minU + maxU) / 2;
  const midV = (minV + maxV) / 2;
  return orient({ cx: midU * ux - midV * uy, cy: midU * uy + midV * ux, width: maxU - minU, height: maxV - minV, ux, uy });
}

/** Picks the axis closer to horizontal as the width axis, pointing right. */
function orient(rect: RotatedRect): RotatedRect {
  let { width, height, ux, uy } = rect;
  if (Math.abs(uy) > Math.abs(ux)) {
    [width, height] = [height, width];
    [ux, uy] = [-uy, ux];
  }
  if (ux < 0 || (ux === 0 && uy < 0)) {
    ux = -ux;
    uy = -uy;
  }
  return { cx: rect.cx, cy: rect.cy, width, height, ux, uy };
}

/** Corners clockwise from top-left. */
export function rectCorners(rect: RotatedRect): [[number, number], [number, number], [number, number], [number, number]] {
  const { cx, cy, ux, uy } = rect;
  const hw = rect.width / 2;
  const hh = rect.height / 2;
  // (vx, vy) = (-uy, ux) points down the image when the width axis points right.
  const corner = (su: number, sv: number): [number, number] => [cx + su * hw * ux - sv * hh * uy, cy + su * hw * uy + sv * hh * ux];
  return [corner(-1, -1), corner(1, -1), corner(1, 1), corner(-1, 1)];
}
