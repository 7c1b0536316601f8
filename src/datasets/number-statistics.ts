// Hugging Face's statistics of a numeric quantity (a number column, text or list lengths, image
// widths, audio durations): nulls, min, max, mean, median, std and a histogram of up to 10 bins,
// integer bins for integer quantities. Runs its two queries through `run`, so the viewer's engine
// and a preparation's own connection share it.

/** Runs one query of Moda's own and returns at most `maxRows` rows as JSON values. */
export type RunRows = (sql: string, maxRows: number) => Promise<Record<string, unknown>[]>;

const BINS = 10;

export const roundStatistic = (value: unknown) => (typeof value === 'number' ? Math.round(value * 1e5) / 1e5 : value);

export async function numberStatistics(run: RunRows, table: string, expression: string, isInt: boolean, total: number): Promise<Record<string, unknown>> {
  const [summary] = await run(`SELECT count(*) - count(${expression}) AS nulls, min(${expression}) AS lo, max(${expression}) AS hi, avg(${expression}) AS mean, median(${expression}) AS median, stddev_samp(${expression}) AS std FROM ${table}`, 1);
  const nulls = Number(summary?.nulls ?? 0);
  const stats: Record<string, unknown> = { nan_count: nulls, nan_proportion: roundStatistic(total === 0 ? 0 : nulls / total) };
  const lo = summary?.lo;
  const hi = summary?.hi;
  if (typeof lo !== 'number' || typeof hi !== 'number') return { ...stats, min: null, max: null, mean: null, median: null, std: null, histogram: null };
  Object.assign(stats, { min: isInt ? lo : roundStatistic(lo), max: isInt ? hi : roundStatistic(hi), mean: roundStatistic(summary?.mean), median: roundStatistic(summary?.median), std: roundStatistic(summary?.std ?? 0) });
  // Integer quantities get integer bin edges and never more bins than distinct values.
  const bins = isInt ? Math.max(1, Math.min(BINS, hi - lo + 1)) : BINS;
  const width = isInt ? Math.ceil((hi - lo + 1) / bins) : (hi - lo) / bins || 1;
  const edges = Array.from({ length: bins }, (_, index) => (isInt ? lo + index * width : (roundStatistic(lo + index * width) as number)));
  edges.push(isInt ? hi : (roundStatistic(hi) as number));
  const bucket = `least(${bins - 1}, CAST(floor((${expression} - ${lo}) / ${width}) AS BIGINT))`;
  const counts = await run(`SELECT ${bucket} AS bin, count(*) AS n FROM ${table} WHERE ${expression} IS NOT NULL GROUP BY bin`, bins + 1);
  const hist = new Array<number>(bins).fill(0);
  for (const row of counts) hist[Number(row.bin)] = Number(row.n);
  return { ...stats, histogram: { hist, bin_edges: edges } };
}
