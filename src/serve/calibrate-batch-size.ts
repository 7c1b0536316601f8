// Picks a model's batch size from a measurement instead of a constant: on CPU bigger is not always
// faster (PP-OCRv4 recognition peaks at 4–8 and loses at 16, offline-models.md), so each size is
// timed on a representative input and the smallest size within 5 % of the best throughput wins.
import sharp from 'sharp';
import { encodeWav } from '../pipelines/media/decode-audio.js';
import type { LoadedPipeline, RunContext } from '../pipelines/pipeline-implementation.js';
import { getTask, type TaskId } from '../tasks/catalog.js';

export interface CalibrationPoint {
  batch_size: number;
  items_per_second: number;
}

export interface Calibration {
  chosen: number;
  points: CalibrationPoint[];
  /** Why calibration could not run, when it could not; the configured default is used then. */
  error?: string;
}

const SIZES = [1, 2, 4, 8, 16, 32];
/** Calibration stops trying bigger batches after this much time. */
const BUDGET_MS = 8000;

/** An input that exercises the model like real traffic: a textured photo-sized image, a second of audio. */
async function sampleInput(task: TaskId): Promise<unknown> {
  const schema = getTask(task).input as { 'x-media'?: string };
  if (schema['x-media'] === 'image') {
    return new Uint8Array(await sharp({ create: { width: 640, height: 480, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).png().toBuffer());
  }
  if (schema['x-media'] === 'audio') {
    const samples = new Float32Array(16_000).map((_, index) => 0.3 * Math.sin((2 * Math.PI * 220 * index) / 16_000));
    return new Uint8Array(encodeWav(samples, 16_000));
  }
  return getTask(task).example.input;
}

export async function calibrateBatchSize(model: LoadedPipeline, task: TaskId, context: RunContext, maxBatchSize: number, parameters: Record<string, unknown> = {}): Promise<Calibration> {
  const points: CalibrationPoint[] = [];
  try {
    const input = await sampleInput(task);
    await model.run([input], parameters, context);
    const started = performance.now();
    for (const size of SIZES.filter((candidate) => candidate <= maxBatchSize)) {
      const batch = Array.from({ length: size }, () => input);
      const rounds = 3;
      const begin = performance.now();
      for (let round = 0; round < rounds; round++) await model.run(batch, parameters, context);
      const seconds = (performance.now() - begin) / 1000;
      points.push({ batch_size: size, items_per_second: Number(((size * rounds) / seconds).toFixed(2)) });
      if (performance.now() - started > BUDGET_MS) break;
    }
  } catch (error) {
    return { chosen: maxBatchSize, points, error: (error as Error).message };
  }
  const best = Math.max(...points.map((point) => point.items_per_second));
  const chosen = points.find((point) => point.items_per_second >= 0.95 * best)?.batch_size ?? maxBatchSize;
  return { chosen, points };
}
