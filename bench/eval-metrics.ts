// Benchmark: the metrics library (src/evaluation/metrics/) on 100,000 synthetic predictions per
// task family (fixed seed). Classification metrics are checked value for value against a
// straightforward implementation of scikit-learn's definitions (one pass per class, no typed
// arrays) and must take ≤ 1 s per 100,000; the other families are timed for context and checked
// against plain re-computations where one is cheap.
// Part of `npm run bench -- eval-metrics`, or alone: `node --import tsx bench/eval-metrics.ts`.
import { pathToFileURL } from 'node:url';
import { computeMetrics } from '../src/evaluation/metrics/compute-metrics.js';
import type { ClassificationResult } from '../src/evaluation/metrics/classification-metrics.js';
import type { DetectedObject, ReferenceObject } from '../src/evaluation/metrics/detection-map.js';
import type { BenchContext, BenchResult, Benchmark, ResultRow } from './lib/bench-types.js';
import { tableOf } from './lib/render-results.js';
import { seededRandom, type Random } from './lib/seeded-random.js';
import { median } from './lib/stats.js';

const SAMPLES = 100_000;
const ROUNDS = 5;
const SEED = 15;
const CLASSIFICATION_TARGET_MS = 1000;
const LABELS = ['体育', '财经', '房产', '教育', '科技', '军事', '汽车', '旅游', '国际', '证券', '农业', '电竞', '娱乐', '文化', '民生'];

interface Timed<T> {
  ms: number;
  value: T;
}

function timed<T>(run: () => T): Timed<T> {
  const times: number[] = [];
  let value: T | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    value = run();
    times.push(performance.now() - started);
  }
  return { ms: median(times), value: value as T };
}

function classificationData(random: Random): { predictions: (string | null)[]; references: string[] } {
  const references: string[] = [];
  const predictions: (string | null)[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    // Skewed classes (class i twice as likely as class i + 3), ~75 % right, 0.5 % failures.
    const reference = LABELS[Math.min(LABELS.length - 1, Math.floor(-Math.log2(1 - random.next()) * 3))]!;
    references.push(reference);
    predictions.push(random.chance(0.005) ? null : random.chance(0.75) ? reference : LABELS[random.int(LABELS.length)]!);
  }
  return { predictions, references };
}

/** scikit-learn's definitions written the plain way: per class, count by scanning every sample. */
function referenceClassification(predictions: readonly (string | null)[], references: readonly string[]): Record<string, number> {
  const labels = [...new Set([...references, ...predictions.filter((label): label is string => label !== null)])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const n = references.length;
  let correct = 0;
  for (let i = 0; i < n; i++) if (predictions[i] === references[i]) correct++;
  let precisionSum = 0;
  let recallSum = 0;
  let f1Sum = 0;
  let weighted = 0;
  let tpAll = 0;
  let predictedAll = 0;
  let referenceAll = 0;
  for (const label of labels) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < n; i++) {
      const predicted = predictions[i] === label;
      const actual = references[i] === label;
      if (predicted && actual) tp++;
      else if (predicted) fp++;
      else if (actual) fn++;
    }
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    const f1 = 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
    precisionSum += precision;
    recallSum += recall;
    f1Sum += f1;
    weighted += f1 * (tp + fn);
    tpAll += tp;
    predictedAll += tp + fp;
    referenceAll += tp + fn;
  }
  return {
    accuracy: correct / n,
    precision_macro: precisionSum / labels.length,
    recall_macro: recallSum / labels.length,
    f1_macro: f1Sum / labels.length,
    precision_micro: tpAll / predictedAll,
    recall_micro: tpAll / referenceAll,
    f1_micro: (2 * tpAll) / (predictedAll + referenceAll),
    f1_weighted: weighted / referenceAll,
  };
}

function textData(random: Random): { predictions: string[]; references: string[] } {
  const alphabet = '的一是不了人我在有他这中大来上个国和也子时道出会三要于下得可你年生自之说那后能对着'.split('');
  const references: string[] = [];
  const predictions: string[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const length = 4 + random.int(12);
    const chars = Array.from({ length }, () => alphabet[random.int(alphabet.length)]!);
    references.push(chars.join(''));
    predictions.push(chars.map((char) => (random.chance(0.05) ? alphabet[random.int(alphabet.length)]! : char)).filter(() => !random.chance(0.02)).join(''));
  }
  return { predictions, references };
}

function detectionData(random: Random, images: number): { predictions: DetectedObject[][]; references: ReferenceObject[][] } {
  const classes = ['person', 'car', 'dog', 'cat', 'bicycle'];
  const predictions: DetectedObject[][] = [];
  const references: ReferenceObject[][] = [];
  for (let image = 0; image < images; image++) {
    const truth: ReferenceObject[] = Array.from({ length: 1 + random.int(4) }, () => {
      const x = random.int(500);
      const y = random.int(500);
      return { label: classes[random.int(classes.length)]!, box: { xmin: x, ymin: y, xmax: x + 20 + random.int(100), ymax: y + 20 + random.int(100) } };
    });
    const found: DetectedObject[] = truth.flatMap((object) => {
      // Jitter of at most ±9 px on boxes at least 20 px wide: a box never turns inside out.
      const jitter = () => Math.max(-9, Math.min(9, random.normal() * 6));
      const hit = { label: object.label, score: random.next(), box: { xmin: object.box.xmin + jitter(), ymin: object.box.ymin + jitter(), xmax: object.box.xmax + jitter(), ymax: object.box.ymax + jitter() } };
      const noise = { label: classes[random.int(classes.length)]!, score: random.next() * 0.6, box: { xmin: 0, ymin: 0, xmax: 30, ymax: 30 } };
      return random.chance(0.8) ? [hit, noise] : [noise];
    });
    references.push(truth);
    predictions.push(found);
  }
  return { predictions, references };
}

async function run(context: BenchContext): Promise<BenchResult> {
  const random = seededRandom(SEED);
  const rows: ResultRow[] = [];
  const notes: string[] = [];

  context.log('eval-metrics: classification');
  const classes = classificationData(random);
  const classification = timed(() => computeMetrics('text-classification', classes.predictions, classes.references, { metrics: ['accuracy', 'f1_macro', 'f1_micro', 'f1_weighted', 'precision_macro', 'recall_macro', 'precision_micro', 'recall_micro'] }));
  const plain = timed(() => referenceClassification(classes.predictions, classes.references));
  const details = classification.value.details as ClassificationResult;
  const compared = Object.entries(plain.value).map(([metric, expected]) => ({ metric, expected, actual: (details as unknown as Record<string, number>)[metric]! }));
  const mismatches = compared.filter((entry) => entry.actual !== entry.expected);
  rows.push({ metric: 'classification metrics (8 numbers + confusion matrix), 100,000 predictions, 15 classes', unit: 'ms', value: classification.ms, baseline: plain.ms, target: { kind: 'below', max: CLASSIFICATION_TARGET_MS } });
  rows.push({ metric: 'classification values differing from the plain implementation (exact ===)', unit: 'values', value: mismatches.length, target: { kind: 'below', max: 1 } });
  notes.push(`classification values: ${compared.map((entry) => `${entry.metric} ${entry.actual}`).join(', ')}; failures counted: ${details.failures}`);
  for (const mismatch of mismatches) notes.push(`MISMATCH ${mismatch.metric}: ${mismatch.actual} vs plain ${mismatch.expected}`);

  context.log('eval-metrics: error rates');
  const texts = textData(random);
  const rates = timed(() => computeMetrics('ocr', texts.predictions, texts.references, { metrics: ['cer', 'cer_no_space', 'wer'] }));
  rows.push({ metric: 'OCR CER + CER without spaces + WER, 100,000 lines of 4–15 characters', unit: 'ms', value: rates.ms, target: { kind: 'info' } });
  notes.push(`error rates: cer ${rates.value.metrics.cer}, wer ${rates.value.metrics.wer}`);

  context.log('eval-metrics: correlation');
  const scores = Array.from({ length: SAMPLES }, () => random.next());
  const noisy = scores.map((score) => score + random.normal() * 0.1);
  const correlation = timed(() => computeMetrics('sentence-similarity', noisy, scores));
  rows.push({ metric: 'Pearson + Spearman, 100,000 pairs', unit: 'ms', value: correlation.ms, target: { kind: 'info' } });

  context.log('eval-metrics: entity F1');
  const tagSets = Array.from({ length: SAMPLES }, () => Array.from({ length: 12 }, (_, i) => (i % 4 === 0 ? 'B-PER' : i % 4 === 1 ? 'I-PER' : 'O')));
  const predictedTags = tagSets.map((tags) => tags.map((tag) => (random.chance(0.03) ? 'O' : tag)));
  const entities = timed(() => computeMetrics('token-classification', predictedTags, tagSets));
  rows.push({ metric: 'strict entity F1 (IOB2), 100,000 sentences of 12 tags', unit: 'ms', value: entities.ms, target: { kind: 'info' } });

  context.log('eval-metrics: detection');
  const detections = detectionData(random, 5000);
  const map = timed(() => computeMetrics('object-detection', detections.predictions, detections.references));
  rows.push({ metric: 'COCO mAP@[.5:.95] + mAP@.5, 5,000 images (~12,500 boxes, ~22,500 detections)', unit: 'ms', value: map.ms, target: { kind: 'info' } });
  notes.push(`detection: map ${map.value.metrics.map}, map_50 ${map.value.metrics.map_50}`);

  return {
    id: 'eval-metrics',
    title: 'Evaluation metrics on 100,000 synthetic predictions',
    method: [
      `Synthetic predictions from a seeded generator (seed ${SEED}); each figure is the median of ${ROUNDS} runs in one process (the first, unwarmed run included).`,
      "Classification: computeMetrics('text-classification') against a plain per-class scan of scikit-learn's definitions (the baseline column is that scan's time); every number must be identical (===).",
      'Other families are timed for context (COCO mAP on 5,000 images, as detection sets are smaller).',
    ],
    rows,
    notes,
  };
}

export const evalMetricsBenchmark: Benchmark = { id: 'eval-metrics', run };

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run({
    workDir: '/tmp',
    repoRoot: new URL('..', import.meta.url).pathname,
    modaNodeFlags: [],
    bigFile: () => Promise.reject(new Error('the metrics benchmark needs no big file')),
    log: (message) => process.stderr.write(`[bench] ${message}\n`),
  });
  process.stdout.write([`## ${result.title}`, '', ...result.method.map((line) => `- ${line}`), '', tableOf(result), '', ...result.notes.map((note) => `- ${note}`), ''].join('\n'));
  if (result.rows.some((row) => row.target.kind === 'below' && !(row.value < row.target.max))) process.exitCode = 1;
}
