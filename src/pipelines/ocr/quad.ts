// A text region as four corners, clockwise from top-left in image coordinates (y grows downwards),
// and the two re-orderings PP-OCR applies before reading it: a quarter turn for tall boxes and a
// half turn when the direction classifier says the line is upside down.

export type Point = [number, number];
export type Quad = [Point, Point, Point, Point];

function distance(a: Point, b: Point): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/** Width (longer of top and bottom edges) and height (longer of left and right edges), as PP-OCR crops. */
export function quadSize(quad: Quad): { width: number; height: number } {
  const [tl, tr, br, bl] = quad;
  return { width: Math.max(distance(tl, tr), distance(bl, br)), height: Math.max(distance(tl, bl), distance(tr, br)) };
}

/** The same region read a quarter turn counter-clockwise (np.rot90): the right edge becomes the top. */
export function quarterTurn(quad: Quad): Quad {
  const [tl, tr, br, bl] = quad;
  return [tr, br, bl, tl];
}

/** The same region read upside down. */
export function halfTurn(quad: Quad): Quad {
  const [tl, tr, br, bl] = quad;
  return [br, bl, tl, tr];
}

/**
 * The quad a line is sampled from: PP-OCR turns crops at least 1.5× taller than wide a quarter turn,
 * so vertical text is read top to bottom.
 */
export function readingQuad(quad: Quad): Quad {
  const { width, height } = quadSize(quad);
  return height >= 1.5 * width ? quarterTurn(quad) : quad;
}
