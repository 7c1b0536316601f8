// The live training curve: the `curve {json}` lines of a tune job's log as an SVG chart (validation
// accuracy on a 0–1 axis, validation loss scaled to its own maximum), redrawn as points arrive.
export interface CurvePoint {
  epoch: number;
  epochs: number;
  validation_accuracy?: number;
  validation_loss?: number;
}

/** The curve point a log line carries, if it is one. */
export function curvePointOf(line: string): CurvePoint | undefined {
  if (!line.startsWith('curve {')) return undefined;
  try {
    const point = JSON.parse(line.slice('curve '.length)) as CurvePoint;
    return typeof point.epoch === 'number' && typeof point.epochs === 'number' ? point : undefined;
  } catch {
    return undefined;
  }
}

const WIDTH = 480;
const HEIGHT = 200;
const PAD = 28;

export function TrainingCurve({ points, label }: { points: readonly CurvePoint[]; label: string }) {
  const epochs = Math.max(1, ...points.map((point) => point.epochs));
  const x = (epoch: number) => PAD + (epoch / epochs) * (WIDTH - 2 * PAD);
  const y = (value: number) => HEIGHT - PAD - value * (HEIGHT - 2 * PAD);
  const maxLoss = Math.max(1e-9, ...points.map((point) => point.validation_loss ?? 0));
  const line = (values: { epoch: number; value: number }[]) => values.map((point) => `${x(point.epoch).toFixed(1)},${y(point.value).toFixed(1)}`).join(' ');
  const accuracy = points.filter((point) => point.validation_accuracy !== undefined).map((point) => ({ epoch: point.epoch, value: point.validation_accuracy ?? 0 }));
  const loss = points.filter((point) => point.validation_loss !== undefined).map((point) => ({ epoch: point.epoch, value: (point.validation_loss ?? 0) / maxLoss }));
  return (
    <figure className="training-curve" data-testid="training-curve" data-points={points.length}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label}>
        <rect x={PAD} y={PAD} width={WIDTH - 2 * PAD} height={HEIGHT - 2 * PAD} fill="none" stroke="#e5e7eb" />
        <text x={PAD - 4} y={y(1)} textAnchor="end" fontSize="10">1.0</text>
        <text x={PAD - 4} y={y(0)} textAnchor="end" fontSize="10">0</text>
        <text x={x(epochs)} y={HEIGHT - 8} textAnchor="end" fontSize="10">{epochs}</text>
        <polyline fill="none" stroke="#2563eb" strokeWidth="2" points={line(accuracy)} />
        <polyline fill="none" stroke="#dc2626" strokeWidth="2" points={line(loss)} />
      </svg>
      <figcaption>{label}</figcaption>
    </figure>
  );
}
