// The deployments page's chart points from two /metrics scrapes: rate over the interval, p50 from
// the histogram's new observations only, mean batch size, and nulls (not zeros) where there is no data.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePrometheusText } from '../src/client/prometheus-text.js';
import { metricPoint } from '../web/src/deployments/deployment-metrics.js';

function scrape(at: number, requests: number, buckets: [string, number][], batches: { count: number; sum: number }) {
  const model = 'model="alice/sentiment"';
  const lines = [
    `moda_inference_requests_total{${model},task="text-classification",status="200"} ${requests}`,
    `moda_inference_requests_total{${model},task="text-classification",status="429"} 1`,
    `moda_inference_requests_total{model="other/model",task="ocr",status="200"} 1000`,
    ...buckets.map(([le, count]) => `moda_inference_duration_seconds_bucket{le="${le}",${model},task="text-classification"} ${count}`),
    `moda_inference_batch_size_sum{${model}} ${batches.sum}`,
    `moda_inference_batch_size_count{${model}} ${batches.count}`,
  ];
  return { at, scrape: parsePrometheusText(lines.join('\n')) };
}

void test('rate, p50 and mean batch size over the interval between two scrapes', () => {
  const before = scrape(10_000, 10, [['0.01', 10], ['0.1', 10], ['+Inf', 10]], { count: 5, sum: 10 });
  const after = scrape(12_000, 30, [['0.01', 10], ['0.1', 30], ['+Inf', 30]], { count: 9, sum: 30 });
  const point = metricPoint(before, after, 'alice/sentiment');
  assert.equal(point.at, 12_000);
  assert.equal(point.requestsPerSecond, 10, '20 requests in 2 s; another model does not count');
  // 20 new observations, all in (0.01, 0.1]: rank 10 is halfway, 0.01 + 0.09 / 2 = 55 ms.
  assert.ok(Math.abs((point.latencyP50Ms ?? NaN) - 55) < 1e-9);
  assert.equal(point.batchSize, 5, '20 inputs in 4 batches');
});

void test('no traffic gives a zero rate and no latency or batch size; a restart gives no rate', () => {
  const quiet = scrape(0, 10, [['0.1', 10], ['+Inf', 10]], { count: 5, sum: 10 });
  const idle = metricPoint(quiet, { ...quiet, at: 2000 }, 'alice/sentiment');
  assert.deepEqual(idle, { at: 2000, requestsPerSecond: 0, latencyP50Ms: null, batchSize: null });
  const restarted = metricPoint(quiet, scrape(2000, 2, [['0.1', 2], ['+Inf', 2]], { count: 1, sum: 2 }), 'alice/sentiment');
  assert.equal(restarted.requestsPerSecond, null, 'a counter that went backwards is not a negative rate');
  assert.equal(restarted.batchSize, null);
  const unknown = metricPoint(quiet, { ...quiet, at: 2000 }, 'nobody/none');
  assert.deepEqual(unknown, { at: 2000, requestsPerSecond: 0, latencyP50Ms: null, batchSize: null });
});
