// A small hand-drawn SVG line chart of the last points of one series: gaps where a point is null,
// the y axis from 0 to a rounded maximum, the latest value written out. No chart library: the UI's
// first page must stay small and this is all the deployments page needs.

export interface SparklineProps {
  title: string;
  values: (number | null)[];
  /** How many points the x axis holds (older ones scroll off the left). */
  capacity: number;
  format: (value: number) => string;
  testId: string;
}

const WIDTH = 220;
const HEIGHT = 64;
const PAD = 2;

/** 1, 2 or 5 times a power of ten at or above `value`, so the axis reads cleanly. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function pointY(value: number, top: number): number {
  return HEIGHT - PAD - (value / top) * (HEIGHT - 2 * PAD);
}

/** SVG path segments ("M x y L x y …"), broken wherever a value is null. */
function linePath(values: (number | null)[], capacity: number, top: number): string {
  const stepX = (WIDTH - 2 * PAD) / Math.max(capacity - 1, 1);
  const offset = capacity - values.length;
  let path = '';
  let drawing = false;
  values.forEach((value, index) => {
    if (value === null) {
      drawing = false;
      return;
    }
    const x = PAD + (offset + index) * stepX;
    const y = pointY(value, top);
    path += `${drawing ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)} `;
    drawing = true;
  });
  return path.trim();
}

export function SparklineChart({ title, values, capacity, format, testId }: SparklineProps) {
  const latest = values.length > 0 ? values[values.length - 1] : null;
  const top = niceCeiling(Math.max(0, ...values.filter((value): value is number => value !== null)));
  const path = linePath(values, capacity, top);
  const latestText = latest === null || latest === undefined ? '—' : format(latest);
  return (
    <figure className="sparkline" data-testid={testId} data-latest={latest ?? ''}>
      <figcaption>
        <span>{title}</span>
        <strong>{latestText}</strong>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width={WIDTH} height={HEIGHT} role="img" aria-label={`${title}: ${latestText}`}>
        <line x1={PAD} x2={WIDTH - PAD} y1={HEIGHT - PAD} y2={HEIGHT - PAD} className="axis" />
        <line x1={PAD} x2={WIDTH - PAD} y1={PAD} y2={PAD} className="grid" />
        <text x={WIDTH - PAD - 2} y={PAD + 10} textAnchor="end" className="axis-label">
          {format(top)}
        </text>
        {path && <path d={path} className="line" />}
        {/* The latest point as a dot, so a lone point after a gap is visible too. */}
        {latest !== null && latest !== undefined && <circle cx={WIDTH - PAD} cy={pointY(latest, top)} r={2.5} className="dot" />}
      </svg>
    </figure>
  );
}
