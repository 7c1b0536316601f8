// Segmentation masks alpha-blended over the input image, one colour per label, with a legend that
// names each region (with its score) and shows or hides it. Masks are single-channel PNGs the size
// of the image: each pixel's grey level becomes that much of the label's colour.
import { useEffect, useRef, useState } from 'react';
import type { MaskSegment } from './classify-output.js';
import { colorFor, rgbOf } from './palette.js';
import { useTryItStrings } from './try-it-strings.js';

const MASK_OPACITY = 0.55;

async function maskPixels(base64: string): Promise<ImageData> {
  const bytes = Uint8Array.from(atob(base64.replace(/^data:[^,]*,/, '')), (char) => char.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

/** The mask tinted with `color`: the grey level (red channel; the PNG is grayscale) sets the alpha. */
function tinted(mask: ImageData, color: string): ImageData {
  const [red, green, blue] = rgbOf(color);
  const out = new ImageData(mask.width, mask.height);
  for (let index = 0; index < mask.data.length; index += 4) {
    out.data[index] = red;
    out.data[index + 1] = green;
    out.data[index + 2] = blue;
    out.data[index + 3] = Math.round(mask.data[index]! * MASK_OPACITY);
  }
  return out;
}

export function MaskOverlay({ src, segments }: { src: string; segments: MaskSegment[] }) {
  const s = useTryItStrings();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  const [hidden, setHidden] = useState<ReadonlySet<number>>(new Set());
  const [masks, setMasks] = useState<(ImageData | null)[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [drawn, setDrawn] = useState(0);

  useEffect(() => {
    let cancelled = false;
    void Promise.all(segments.map((segment) => maskPixels(segment.mask).catch(() => null))).then((decoded) => {
      if (cancelled) return;
      setMasks(decoded.map((mask, index) => (mask ? tinted(mask, colorFor(segments[index]!.label)) : null)));
      if (decoded.some((mask) => mask === null)) setProblem(`${decoded.filter((mask) => mask === null).length} mask(s) could not be decoded`);
    });
    return () => {
      cancelled = true;
    };
  }, [segments]);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || !size || !masks) return;
    canvas.width = size.width;
    canvas.height = size.height;
    const context = canvas.getContext('2d');
    if (!context) return;
    context.clearRect(0, 0, size.width, size.height);
    let count = 0;
    masks.forEach((mask, index) => {
      if (!mask || hidden.has(index)) return;
      // Through a scratch canvas so masks blend over each other (putImageData would replace).
      const scratch = document.createElement('canvas');
      scratch.width = mask.width;
      scratch.height = mask.height;
      scratch.getContext('2d')?.putImageData(mask, 0, 0);
      context.drawImage(scratch, 0, 0, size.width, size.height);
      count++;
    });
    setDrawn(count);
  }, [masks, size, hidden]);

  const toggle = (index: number) =>
    setHidden((previous) => {
      const next = new Set(previous);
      if (next.has(index)) next.delete(index);
      else next.add(index);
      return next;
    });

  return (
    <div className="try-masks">
      <figure className="try-overlay" data-testid="mask-overlay">
        <img src={src} alt="" onLoad={(event) => setSize({ width: event.currentTarget.naturalWidth, height: event.currentTarget.naturalHeight })} />
        <canvas ref={canvasRef} aria-hidden="true" data-testid="mask-canvas" data-drawn={drawn} />
      </figure>
      <fieldset className="try-legend" data-testid="mask-legend">
        <legend>{s.masks}</legend>
        {segments.map((segment, index) => {
          const id = `mask-toggle-${index}`;
          return (
            <div key={index} className="try-legend-item">
              <input id={id} type="checkbox" checked={!hidden.has(index)} onChange={() => toggle(index)} aria-label={s.showMask(segment.label)} />
              <span className="try-swatch" style={{ background: colorFor(segment.label) }} aria-hidden="true" />
              <label htmlFor={id}>
                {segment.label}
                {segment.score !== null && <span className="muted"> {segment.score.toFixed(3)}</span>}
              </label>
            </div>
          );
        })}
      </fieldset>
      {problem && <p className="try-warning">{problem}</p>}
    </div>
  );
}
