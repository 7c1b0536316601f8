// The Prometheus text parser against what prom-client (the server's metrics library) really writes,
// the format's corner cases (escapes, special values, timestamps), bad input, and quantiles between
// two scrapes checked against hand-computed interpolations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { histogramBuckets, histogramQuantile, parsePrometheusText, sumSamples } from './prometheus-text.js';

void test('reads counters and histograms exactly as prom-client writes them', async () => {
  const registry = new Registry();
  const requests = new Counter({ name: 'moda_inference_requests_total', help: 'requests "quoted" \\ help', labelNames: ['model', 'task', 'status'], registers: [registry] });
  const duration = new Histogram({ name: 'moda_inference_duration_seconds', help: 'time', labelNames: ['model'], buckets: [0.01, 0.1, 1], registers: [registry] });
  requests.inc({ model: 'admin/sentiment', task: 'text-classification', status: '200' }, 5);
  requests.inc({ model: 'admin/sentiment', task: 'text-classification', status: '429' }, 2);
  requests.inc({ model: 'moda/other', task: 'ocr', status: '200' });
  for (const seconds of [0.005, 0.05, 0.05, 0.5]) duration.observe({ model: 'admin/sentiment' }, seconds);

  const scrape = parsePrometheusText(await registry.metrics());
  assert.equal(scrape.types.moda_inference_requests_total, 'counter');
  assert.equal(scrape.types.moda_inference_duration_seconds, 'histogram');
  assert.equal(sumSamples(scrape, 'moda_inference_requests_total', { model: 'admin/sentiment' }), 7);
  assert.equal(sumSamples(scrape, 'moda_inference_requests_total', { model: 'admin/sentiment', status: '429' }), 2);
  assert.equal(sumSamples(scrape, 'moda_inference_requests_total'), 8);
  assert.equal(sumSamples(scrape, 'moda_inference_duration_seconds_count', { model: 'admin/sentiment' }), 4);
  assert.ok(Math.abs(sumSamples(scrape, 'moda_inference_duration_seconds_sum', { model: 'admin/sentiment' }) - 0.605) < 1e-9);
  const buckets = histogramBuckets(scrape, 'moda_inference_duration_seconds', { model: 'admin/sentiment' });
  assert.deepEqual([...buckets.entries()].sort((a, b) => a[0] - b[0]), [
    [0.01, 1],
    [0.1, 3],
    [1, 4],
    [Infinity, 4],
  ]);
  assert.equal(sumSamples(scrape, 'moda_inference_requests_total', { model: 'nobody/none' }), 0);
});

void test('label escapes, special values, timestamps and comments', () => {
  const scrape = parsePrometheusText(
    [
      '# HELP odd_metric a metric with odd labels',
      '# TYPE odd_metric gauge',
      'odd_metric{path="C:\\\\dir",quote="say \\"hi\\"",line="a\\nb"} +Inf',
      'odd_metric{empty=""} -Inf 1700000000000',
      'nan_metric NaN',
      'spaced_metric { a = "1" , b="2", } 3.5e2',
      'prom_client_nan Nan',
      '',
      '   # a comment that is not HELP or TYPE',
      'plain_metric 42',
    ].join('\n'),
  );
  const [first, second, nan, spaced, promClientNan, plain] = scrape.samples;
  assert.deepEqual(first?.labels, { path: 'C:\\dir', quote: 'say "hi"', line: 'a\nb' });
  assert.equal(first?.value, Infinity);
  assert.deepEqual(second?.labels, { empty: '' });
  assert.equal(second?.value, -Infinity);
  assert.ok(Number.isNaN(nan?.value));
  assert.deepEqual(spaced?.labels, { a: '1', b: '2' });
  assert.equal(spaced?.value, 350);
  assert.ok(Number.isNaN(promClientNan?.value));
  assert.deepEqual(plain, { name: 'plain_metric', labels: {}, value: 42 });
  assert.equal(scrape.types.odd_metric, 'gauge');
});

void test('malformed lines fail with the line number', () => {
  assert.throws(() => parsePrometheusText('ok 1\n{a="b"} 2'), { name: 'SyntaxError', message: /line 2: expected a metric name/ });
  assert.throws(() => parsePrometheusText('m{a="b} 1'), { name: 'SyntaxError', message: /line 1: unterminated value of label a/ });
  assert.throws(() => parsePrometheusText('m{a=b} 1'), { name: 'SyntaxError', message: /quoted value/ });
  assert.throws(() => parsePrometheusText('m{a="b"} lots'), { name: 'SyntaxError', message: /"lots" is not a sample value/ });
  assert.throws(() => parsePrometheusText('m'), { name: 'SyntaxError', message: /"" is not a sample value/ });
  assert.throws(() => parsePrometheusText('m 1 yesterday'), { name: 'SyntaxError', message: /not a timestamp/ });
});

void test('quantiles interpolate inside the bucket, between two scrapes', () => {
  const before = new Map([
    [0.01, 10],
    [0.1, 10],
    [1, 10],
    [Infinity, 10],
  ]);
  const after = new Map([
    [0.01, 10],
    [0.1, 14],
    [1, 18],
    [Infinity, 18],
  ]);
  // 8 new observations: 4 in (0.01, 0.1], 4 in (0.1, 1]. The median (rank 4) is the top of the first.
  assert.ok(Math.abs((histogramQuantile(0.5, after, before) ?? NaN) - 0.1) < 1e-12);
  // Rank 6 is halfway through (0.1, 1]: 0.1 + 0.9 * 2/4.
  assert.ok(Math.abs((histogramQuantile(0.75, after, before) ?? NaN) - 0.55) < 1e-12);
  // Since start: 18 observations, rank 9 inside the first bucket [0, 0.01]: 0.01 * 9/10.
  assert.ok(Math.abs((histogramQuantile(0.5, after) ?? NaN) - 0.009) < 1e-12);
  // Nothing new: no quantile rather than a made-up zero.
  assert.equal(histogramQuantile(0.5, after, after), null);
  assert.equal(histogramQuantile(0.5, new Map()), null);
  // All in +Inf: the highest finite bound, as PromQL answers.
  assert.equal(histogramQuantile(0.5, new Map([[1, 0], [Infinity, 3]])), 1);
});
