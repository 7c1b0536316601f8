// Sentence similarity: Pearson's r and Spearman's ρ between predicted and reference scores, as
// scipy.stats.pearsonr and scipy.stats.spearmanr compute them (Spearman: Pearson's r of the ranks,
// tied values sharing their average rank, scipy.stats.rankdata(method='average')).
import { ModaError } from '../../errors/moda-error.js';
import { checkPaired, metricInputError } from './metric-input-error.js';

export interface CorrelationResult {
  pearson: number;
  spearman: number;
  /** Pairs scored (failures left out). */
  samples: number;
  /** Predictions that were `null` (the model failed): left out of both correlations and counted here. */
  failures: number;
}

export function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 2) throw new ModaError('METRIC_UNDEFINED', 'a correlation needs at least two scored pairs');
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    meanX += x[i]!;
    meanY += y[i]!;
  }
  meanX /= n;
  meanY /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - meanX;
    const dy = y[i]! - meanY;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  // scipy returns nan (with a warning) for a constant input; a number here would be made up.
  if (sxx === 0 || syy === 0) throw new ModaError('METRIC_UNDEFINED', 'the correlation is undefined: the predictions or the references are all the same value');
  const r = sxy / Math.sqrt(sxx * syy);
  // Rounding can push |r| a hair past 1; scipy clips the same way.
  return Math.max(-1, Math.min(1, r));
}

/** Ranks from 1, ties given the mean of the ranks they span (rankdata 'average'). */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length);
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    while (end < order.length && order[end]!.value === order[start]!.value) end++;
    // Ranks start+1 … end, mean (start + 1 + end) / 2.
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]!.index] = rank;
    start = end;
  }
  return ranks;
}

export function spearman(x: readonly number[], y: readonly number[]): number {
  return pearson(averageRanks(x), averageRanks(y));
}

export function correlationMetrics(predictions: readonly (number | null)[], references: readonly number[]): CorrelationResult {
  checkPaired(predictions, references);
  const x: number[] = [];
  const y: number[] = [];
  let failures = 0;
  references.forEach((reference, i) => {
    if (typeof reference !== 'number' || !Number.isFinite(reference)) throw metricInputError(`reference ${i} is not a finite number`, { index: i });
    const prediction = predictions[i] ?? null;
    if (prediction === null) {
      failures++;
      return;
    }
    if (typeof prediction !== 'number' || !Number.isFinite(prediction)) throw metricInputError(`prediction ${i} is neither a finite number nor null`, { index: i });
    x.push(prediction);
    y.push(reference);
  });
  return { pearson: pearson(x, y), spearman: spearman(x, y), samples: x.length, failures };
}
