// The image-head part of the tune benchmark: embedding extraction through a Moda `tune` job (the
// starter backbone's own pipeline in the job's process, files read from the dataset repo included)
// against the backbone's raw engine — its tfjs graph model executed directly in this process on the
// same images, decoded and resized the same way, at its best batch size — and head training steps/s
// against raw tfjs (`model.fit`, same shapes, Adam, batch 16).
import { commit as hubCommit } from '@huggingface/hub';
import * as tfl from '@tensorflow/tfjs-layers';
import type { BenchContext, ResultRow } from './lib/bench-types.js';
import type { ModaServer } from './lib/moda-server.js';
import { api, jobEnded, waitForJob } from './lib/moda-jobs.js';
import { readCatalogEntry, resolveCatalogSource, CATALOG_DIR } from '../src/catalog/read-catalog.js';
import { readNsfwjsBundle } from '../src/pipelines/vision/nsfwjs-bundle.js';
import { bilinearAlignCorners } from '../src/pipelines/vision/model-input.js';
import { decodeImage } from '../src/pipelines/media/decode-image.js';
import { loadTfjsGraphModel, tf } from '../src/runtime/engines/tfjs-engine.js';
import { noisyImage } from '../test/fixtures/colour-images.js';
import { join } from 'node:path';

const BACKBONE = 'moda/image-features-mobilenetv2';
const PER_CLASS = 16;
const COLOURS: [number, number, number][] = [[220, 30, 30], [30, 200, 40], [30, 40, 220]];
const BATCHES = [1, 2, 4, 8, 16];
const EPOCHS = 60;

async function images(): Promise<Buffer[]> {
  const all: Buffer[] = [];
  for (const [index, rgb] of COLOURS.entries()) for (let seed = 0; seed < PER_CLASS; seed++) all.push(await noisyImage(rgb, index * 100 + seed, 224));
  return all;
}

/** The backbone's graph model executed directly: decode + align-corners resize + execute, per batch size. */
async function rawEmbedding(photos: Buffer[]): Promise<{ best: number; perSecond: number; byBatch: Record<number, number> }> {
  const entry = await readCatalogEntry(join(CATALOG_DIR, 'image-features-mobilenetv2'));
  const files = await Promise.all(entry.files.map((file) => resolveCatalogSource(entry, file.from)));
  const graph = await loadTfjsGraphModel(await readNsfwjsBundle(files[0]!, files.slice(1)));
  const node = 'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/feature_vector/SpatialSqueeze';
  const byBatch: Record<number, number> = {};
  try {
    for (const size of BATCHES) {
      const started = performance.now();
      for (let start = 0; start < photos.length; start += size) {
        const batch = photos.slice(start, start + size);
        const pixels = new Float32Array(batch.length * 224 * 224 * 3);
        for (const [index, photo] of batch.entries()) pixels.set(bilinearAlignCorners(await decodeImage(photo, { maxPixels: 40_000_000, fetch: globalThis.fetch }), 224, 224, 1 / 255), index * 224 * 224 * 3);
        const output = tf.tidy(() => graph.model.execute(tf.tensor4d(pixels, [batch.length, 224, 224, 3]), node) as tf.Tensor);
        await output.data();
        output.dispose();
      }
      byBatch[size] = (photos.length * 1000) / (performance.now() - started);
    }
  } finally {
    graph.dispose();
  }
  const best = BATCHES.reduce((a, b) => (byBatch[b]! > byBatch[a]! ? b : a));
  return { best, perSecond: byBatch[best]!, byBatch };
}

/** Raw tfjs: the same head shape trained with model.fit on random vectors of the same size. */
async function rawHeadStepsPerSecond(rows: number, dimensions: number, classes: number): Promise<number> {
  const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [dimensions], units: classes, activation: 'softmax' })] });
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy' });
  const x = tf.randomNormal([rows, dimensions]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: rows }, (_, index) => index % classes), 'int32'), classes);
  try {
    await model.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
    const started = performance.now();
    await model.fit(x, y, { epochs: EPOCHS, batchSize: 16, verbose: 0, shuffle: true });
    return (EPOCHS * Math.ceil(rows / 16) * 1000) / (performance.now() - started);
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

export async function imageHeadRows(context: BenchContext, moda: ModaServer): Promise<{ rows: ResultRow[]; notes: string[] }> {
  context.log('tune: image-head — building the dataset');
  const photos = await images();
  await api(moda, '/api/repos/create', { name: 'bench-colours', organization: 'admin', type: 'dataset' });
  await hubCommit({
    repo: { type: 'dataset', name: 'admin/bench-colours' },
    accessToken: moda.token,
    hubUrl: moda.url,
    title: 'images',
    operations: photos.map((photo, index) => ({ operation: 'addOrUpdate' as const, path: `train/class-${Math.floor(index / PER_CLASS)}/${index}.png`, content: new Blob([photo]) })),
  });
  context.log('tune: image-head — the backbone engine directly');
  const raw = await rawEmbedding(photos);
  context.log(`tune: image-head — a Moda tune job (embedding batch ${raw.best})`);
  const created = await api(moda, '/api/v1/jobs', { type: 'tune', params: { method: 'image-head', base_model: BACKBONE, dataset: 'admin/bench-colours', output_repo: 'admin/bench-colours-head', hyperparameters: { epochs: EPOCHS, patience: EPOCHS, embedding_batch_size: raw.best } } });
  const job = await waitForJob(moda, String(created.id), jobEnded);
  if (job.state !== 'succeeded') throw new Error(`image-head job ${String(job.state)}: ${JSON.stringify(job.error)}`);
  const stats = (job.result as { stats: Record<string, number> }).stats;
  const trainRows = Math.round(photos.length * 0.85);
  const rawSteps = await rawHeadStepsPerSecond(trainRows, 1792, COLOURS.length);
  return {
    rows: [
      { metric: `image embedding extraction through a Moda tune job vs the backbone's tfjs graph directly (best batch ${raw.best})`, unit: 'images/s', value: stats.embedded_per_second!, baseline: raw.perSecond, target: { kind: 'ratio-at-least', min: 0.8 } },
      { metric: 'image-head training through a Moda tune job vs raw tfjs model.fit', unit: 'steps/s', value: stats.steps_per_second!, baseline: rawSteps, target: { kind: 'ratio-at-least', min: 0.9 } },
    ],
    notes: [
      `Raw backbone images/s by batch size: ${BATCHES.map((size) => `${size}: ${raw.byBatch[size]!.toFixed(2)}`).join(', ')}.`,
      `Image-head job: ${stats.steps} steps in ${stats.epochs_run} epochs on ${COLOURS.length * PER_CLASS} generated 224×224 PNGs (15 % of each class held out).`,
    ],
  };
}
