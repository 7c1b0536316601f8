// Colours for the result views: a fixed, distinguishable palette, picked by index or by a stable
// hash of a key, so one label keeps its colour across boxes, masks, tokens and legends.
const PALETTE = ['#d93025', '#1a73e8', '#188038', '#e37400', '#9334e6', '#007b83', '#c5221f', '#b06000', '#3949ab', '#00897b', '#ad1457', '#5f6368'];

export function colorAt(index: number): string {
  return PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

export function colorFor(key: string): string {
  let hash = 0;
  for (const char of key) hash = (hash * 31 + char.charCodeAt(0)) | 0;
  return colorAt(Math.abs(hash));
}

/** `#rrggbb` as [r, g, b]. */
export function rgbOf(color: string): [number, number, number] {
  const value = Number.parseInt(color.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}
