// `moda run` output for image segmentation: a mask is a base64 PNG, useless on a terminal, so each
// segment prints as its label, score, the share of the image it covers and the box around it.
import sharp from 'sharp';

export interface MaskSummary {
  width: number;
  height: number;
  /** Pixels inside (non-zero), as a share of all pixels. */
  coverage: number;
  /** Smallest box holding every inside pixel, in pixels (xmax/ymax exclusive); undefined when empty. */
  box?: { xmin: number; ymin: number; xmax: number; ymax: number };
}

export async function summarizeMask(base64Png: string): Promise<MaskSummary> {
  const { data, info } = await sharp(Buffer.from(base64Png, 'base64')).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  let inside = 0;
  let xmin = width;
  let ymin = height;
  let xmax = -1;
  let ymax = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[y * width + x] === 0) continue;
      inside++;
      if (x < xmin) xmin = x;
      if (x > xmax) xmax = x;
      if (y < ymin) ymin = y;
      if (y > ymax) ymax = y;
    }
  }
  return { width, height, coverage: inside / (width * height), ...(inside > 0 && { box: { xmin, ymin, xmax: xmax + 1, ymax: ymax + 1 } }) };
}

/** One line per segment: `label  score|-  12.3% of 640×424  [xmin, ymin, xmax, ymax]`. */
export async function formatSegments(segments: readonly { label: string; score: number | null; mask: string }[]): Promise<string> {
  if (segments.length === 0) return '(no segments)';
  const lines = await Promise.all(
    segments.map(async ({ label, score, mask }) => {
      const summary = await summarizeMask(mask);
      const box = summary.box ? `[${summary.box.xmin}, ${summary.box.ymin}, ${summary.box.xmax}, ${summary.box.ymax}]` : '[]';
      return `${label}\t${score === null ? '-' : Number(score.toFixed(4))}\t${(summary.coverage * 100).toFixed(1)}% of ${summary.width}×${summary.height}\t${box}`;
    }),
  );
  return lines.join('\n');
}
