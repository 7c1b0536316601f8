// One chart point per model from two consecutive /metrics scrapes: request rate, median latency and
// mean batch size over the interval between them, from the series src/server/metrics.ts exports
// (labelled by repo, which is what a deployment's `model` names).
import { histogramBuckets, histogramQuantile, sumSamples, type MetricsScrape } from '../../../src/client/prometheus-text.js';

export const REQUESTS = 'moda_inference_requests_total';
export const DURATION = 'moda_inference_duration_seconds';
export const BATCH_SIZE = 'moda_inference_batch_size';

export interface MetricPoint {
  /** When the later scrape was taken (ms since the epoch). */
  at: number;
  /** Inference requests per second; null when the counter went backwards (server restart). */
  requestsPerSecond: number | null;
  /** p50 of the time inputs spent queued and running, in ms; null when nothing ran. */
  latencyP50Ms: number | null;
  /** Mean inputs per batch; null when no batch ran. */
  batchSize: number | null;
}

export interface TimedScrape {
  at: number;
  scrape: MetricsScrape;
}

function delta(after: number, before: number): number | null {
  const change = after - before;
  return change < 0 ? null : change;
}

export function metricPoint(before: TimedScrape, after: TimedScrape, model: string): MetricPoint {
  const seconds = Math.max((after.at - before.at) / 1000, 1e-3);
  const match = { model };
  const requests = delta(sumSamples(after.scrape, REQUESTS, match), sumSamples(before.scrape, REQUESTS, match));
  const latency = histogramQuantile(0.5, histogramBuckets(after.scrape, DURATION, match), histogramBuckets(before.scrape, DURATION, match));
  const batches = delta(sumSamples(after.scrape, `${BATCH_SIZE}_count`, match), sumSamples(before.scrape, `${BATCH_SIZE}_count`, match));
  const inputs = delta(sumSamples(after.scrape, `${BATCH_SIZE}_sum`, match), sumSamples(before.scrape, `${BATCH_SIZE}_sum`, match));
  return {
    at: after.at,
    requestsPerSecond: requests === null ? null : requests / seconds,
    latencyP50Ms: latency === null ? null : latency * 1000,
    batchSize: batches && inputs !== null ? inputs / batches : null,
  };
}
