// The training curve as a picture for the model card: validation accuracy (and loss, scaled to its
// own axis) per epoch, drawn as an SVG and rasterised to PNG by sharp, so any Markdown viewer shows it.
import sharp from 'sharp';
import type { TrainProgress } from './tune-method.js';

const WIDTH = 640;
const HEIGHT = 320;
const MARGIN = { left: 56, right: 56, top: 28, bottom: 44 };

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function polyline(points: { x: number; y: number }[], color: string): string {
  if (points.length === 0) return '';
  const dots = points.map((point) => `<circle cx="${point.x.toFixed(1)}" cy="${point.y.toFixed(1)}" r="2.5" fill="${color}"/>`).join('');
  return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((point) => `${point.x.toFixed(1)},${point.y.toFixed(1)}`).join(' ')}"/>${dots}`;
}

/** The SVG source (also what tests read: it is deterministic text). */
export function trainingCurveSvg(points: readonly TrainProgress[], title: string): string {
  const scored = points.filter((point) => point.validationAccuracy !== undefined || point.validationLoss !== undefined);
  const epochs = Math.max(1, ...points.map((point) => point.epochs));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (epoch: number) => MARGIN.left + (epoch / epochs) * plotWidth;
  const yAccuracy = (value: number) => MARGIN.top + (1 - value) * plotHeight;
  const losses = scored.map((point) => point.validationLoss).filter((value): value is number => value !== undefined && Number.isFinite(value));
  const maxLoss = Math.max(1e-9, ...losses);
  const yLoss = (value: number) => MARGIN.top + (1 - value / maxLoss) * plotHeight;
  const accuracy = scored.filter((point) => point.validationAccuracy !== undefined).map((point) => ({ x: x(point.epoch), y: yAccuracy(point.validationAccuracy ?? 0) }));
  const loss = scored.filter((point) => point.validationLoss !== undefined && Number.isFinite(point.validationLoss)).map((point) => ({ x: x(point.epoch), y: yLoss(point.validationLoss ?? 0) }));
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((value) => {
      const y = yAccuracy(value).toFixed(1);
      return `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y}" y2="${y}" stroke="#e5e7eb"/><text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11" fill="#2563eb">${value.toFixed(2)}</text>` +
        (losses.length > 0 ? `<text x="${WIDTH - MARGIN.right + 6}" y="${y}" dominant-baseline="middle" font-size="11" fill="#dc2626">${(value * maxLoss).toFixed(2)}</text>` : '');
    })
    .join('');
  const ticks = Array.from({ length: Math.min(epochs, 10) + 1 }, (_, index) => Math.round((index * epochs) / Math.min(epochs, 10)))
    .map((epoch) => `<text x="${x(epoch).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" font-size="11" fill="#374151">${epoch}</text>`)
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-size="13" fill="#111827">${escapeXml(title)}</text>`,
    grid,
    ticks,
    `<text x="${WIDTH / 2}" y="${HEIGHT - 8}" text-anchor="middle" font-size="11" fill="#374151">epoch</text>`,
    `<text x="12" y="${HEIGHT / 2}" font-size="11" fill="#2563eb" transform="rotate(-90 12 ${HEIGHT / 2})" text-anchor="middle">validation accuracy</text>`,
    losses.length > 0 ? `<text x="${WIDTH - 10}" y="${HEIGHT / 2}" font-size="11" fill="#dc2626" transform="rotate(90 ${WIDTH - 10} ${HEIGHT / 2})" text-anchor="middle">validation loss</text>` : '',
    polyline(accuracy, '#2563eb'),
    polyline(loss, '#dc2626'),
    '</svg>',
  ].join('');
}

export async function drawTrainingCurve(points: readonly TrainProgress[], title: string): Promise<Uint8Array> {
  return new Uint8Array(await sharp(Buffer.from(trainingCurveSvg(points, title))).png({ compressionLevel: 9 }).toBuffer());
}
