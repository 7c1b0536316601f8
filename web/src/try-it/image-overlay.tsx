// The input image with shapes drawn over it in an SVG sized to the image's own pixels: boxes or
// polygons with their labels (detection, OCR lines, faces) and points (face landmarks). The SVG
// scales with the image, so coordinates from the model need no conversion at any screen width.
import { useState, type ReactNode } from 'react';
import type { Shape } from './classify-output.js';
import { colorAt, colorFor } from './palette.js';

export function ImageOverlay({ src, shapes, label, children }: { src: string; shapes: Shape[]; label: string; children?: (size: { width: number; height: number }) => ReactNode }) {
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  const stroke = size ? Math.max(2, size.width / 300) : 2;
  const fontSize = size ? Math.max(12, size.width / 45) : 12;
  const pointRadius = size ? Math.max(1.5, size.width / 400) : 2;
  return (
    <figure className="try-overlay" data-testid="overlay">
      <img src={src} alt={label} onLoad={(event) => setSize({ width: event.currentTarget.naturalWidth, height: event.currentTarget.naturalHeight })} />
      {size && (
        <svg viewBox={`0 0 ${size.width} ${size.height}`} preserveAspectRatio="none" aria-hidden="true">
          {shapes.map((shape, index) => {
            const color = shape.colorKey ? colorFor(shape.colorKey) : colorAt(index);
            const { box } = shape;
            const corners = box.polygon && box.polygon.length >= 3 ? box.polygon : [[box.xmin, box.ymin], [box.xmax, box.ymin], [box.xmax, box.ymax], [box.xmin, box.ymax]];
            return (
              <g key={index} data-testid="shape" data-label={shape.label}>
                <polygon points={corners.map((point) => point.join(',')).join(' ')} fill="none" stroke={color} strokeWidth={stroke} />
                {shape.points?.map(([x, y], pointIndex) => <circle key={pointIndex} cx={x} cy={y} r={pointRadius} fill={color} stroke="#fff" strokeWidth={pointRadius / 3} data-testid="landmark" />)}
                {shape.label && (
                  <text x={box.xmin} y={box.ymin - stroke * 2 > fontSize ? box.ymin - stroke * 2 : box.ymax + fontSize} fill={color} fontSize={fontSize} stroke="#fff" strokeWidth={fontSize / 8} paintOrder="stroke">
                    {shape.label}
                  </text>
                )}
              </g>
            );
          })}
        </svg>
      )}
      {size && children?.(size)}
    </figure>
  );
}
