// Benchmark `eval`: OCR evaluation throughput through an `eval` job against serving the same model
// at saturation. The OCR system model (moda/ocr-ppocrv4-zh: detector, recogniser) reads the LINES
// lines of the rendered OCR benchmark (moda/ocr-rendered-zh-en) in an eval job — each sample one
// request to the pipeline route with MODA_EVAL_CONCURRENCY in flight — and, in turns with it, the
// serving benchmark's closed-loop load generator POSTs the same images to the same route at the same
// pinned commit with as many clients. Target (issue 15): eval ≥ 0.85 × serving.
//
// What each side's number holds, so the two compare like with like without hiding the job's costs:
// the job's samples/s is its own count over its whole sample loop — its start in a fresh job process
// (the dataset's DuckDB engine opened, the split's first page and files read before the first
// request can go out) and its drain (the last requests finishing with fewer and fewer in flight) are
// in it, as they are in every evaluation a user runs. Serving's window is steady state after a
// warm-up. Those two fixed costs are each about one sample latency (~0.5 s quiet): on the first 100
// lines, which serving's rate reads in 3.5 s, they were most of the job's 4.7 s against it (0.75×,
// quiet, 2026-12-07); the whole 300-line split, which is what an evaluation reads, weighs them as a
// real run does. (The job's reads stalling its requests mid-run was a real cost, fixed in the
// product: run-eval-samples.ts reads samples ahead.) The model is warm on both sides (a
// 20-line job first), so no model load is in either number. The job's mean samples in flight (its
// predictions' request times over its run time) and the mean batch the server ran in each phase
// (`moda_inference_batch_size`) are reported beside the ratio, so a shortfall shows where it is.
// Part of `npm run bench`, or alone: `npm run bench -- eval`.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext, BenchResult, Benchmark, ResultRow } from './lib/bench-types.js';
import { api, jobEnded, waitForJob, type JobRecord } from './lib/moda-jobs.js';
import { startModa, type ModaServer } from './lib/moda-server.js';
import { runLoad, type LoadReport } from './lib/serving-load.js';
import { median } from './lib/stats.js';
import { parsePrometheusText, sumSamples } from '../src/client/prometheus-text.js';

const MODEL = 'moda/ocr-ppocrv4-zh';
const DATASET = 'moda/ocr-rendered-zh-en';
/** Samples in flight: the eval job's MODA_EVAL_CONCURRENCY and the load generator's clients. */
const CONCURRENCY = 16;
/** Eval job and serving load take turns this many times; medians are compared. */
const ROUNDS = 1;
/** Lines both sides read: the whole test split, as an evaluation reads it (about 11 s a side, quiet). */
const LINES = 300;
const TARGET = 0.85;

/** Batches the server has run and the inputs in them so far (its `moda_inference_batch_size` histogram). */
async function batchTotals(moda: ModaServer): Promise<{ batches: number; inputs: number }> {
  const response = await fetch(`${moda.url}/metrics`, { headers: { authorization: `Bearer ${moda.token}` } });
  if (!response.ok) throw new Error(`/metrics: ${response.status}`);
  const scrape = parsePrometheusText(await response.text());
  return { batches: sumSamples(scrape, 'moda_inference_batch_size_count'), inputs: sumSamples(scrape, 'moda_inference_batch_size_sum') };
}

/** What `measured` gives, and the mean inputs per batch the server ran meanwhile. */
async function withMeanBatch<T>(moda: ModaServer, measured: () => Promise<T>): Promise<{ value: T; meanBatch: number }> {
  const before = await batchTotals(moda);
  const value = await measured();
  const after = await batchTotals(moda);
  return { value, meanBatch: (after.inputs - before.inputs) / Math.max(1, after.batches - before.batches) };
}

async function runJob(moda: ModaServer, type: string, params: Record<string, unknown>, timeoutMs = 900_000): Promise<JobRecord> {
  const created = await api(moda, '/api/v1/jobs', { type, params });
  const job = await waitForJob(moda, String(created.id), jobEnded, { timeoutMs, pollMs: 100 });
  if (job.state !== 'succeeded') throw new Error(`${type} job ${String(job.id)} ${String(job.state)}: ${JSON.stringify(job.error)}`);
  return job;
}

interface EvalRun {
  samplesPerSecond: number;
  seconds: number;
  samples: number;
  failed: number;
  cer: number;
  /** Median request time of a sample as the job saw it (its predictions' `ms`). */
  p50Ms: number;
  /** Sum of the samples' request times over the run's time: how many were in flight on average. */
  meanInFlight: number;
}

async function evalRound(moda: ModaServer, commit: string): Promise<EvalRun> {
  const job = await runJob(moda, 'eval', { model: MODEL, model_revision: commit, dataset: DATASET, split: 'test', limit: LINES });
  const result = job.result as { throughput: { samples_per_second: number; seconds: number }; samples: number; failed: number; metrics: { type: string; value: number }[] };
  const response = await fetch(`${moda.url}/api/v1/jobs/${String(job.id)}/artifacts/predictions.jsonl`, { headers: { authorization: `Bearer ${moda.token}` } });
  if (!response.ok) throw new Error(`predictions of job ${String(job.id)}: ${response.status}`);
  const requestMs = (await response.text()).trim().split('\n').map((line) => (JSON.parse(line) as { ms: number }).ms);
  return {
    samplesPerSecond: result.throughput.samples_per_second,
    seconds: result.throughput.seconds,
    samples: result.samples,
    failed: result.failed,
    cer: result.metrics.find((metric) => metric.type === 'cer')?.value ?? Number.NaN,
    p50Ms: median(requestMs),
    meanInFlight: requestMs.reduce((sum, ms) => sum + ms, 0) / (result.throughput.seconds * 1000),
  };
}

async function servingRound(moda: ModaServer, commit: string, images: string[], seconds: number, repoRoot: string): Promise<LoadReport> {
  const query = new URLSearchParams({ revision: commit, task: 'ocr' });
  const report = await runLoad({ url: `${moda.url}/api/v1/models/${MODEL}/pipeline?${query}`, bodies: images, contentType: 'application/octet-stream', clients: CONCURRENCY, warmupSeconds: 3, seconds }, repoRoot);
  if (Object.keys(report.statuses).some((status) => !status.startsWith('2'))) throw new Error(`serving: answers other than 2xx: ${JSON.stringify(report.statuses)}`);
  return report;
}

export const evalBenchmark: Benchmark = {
  id: 'eval',
  async run(context: BenchContext): Promise<BenchResult> {
    const moda = await startModa({
      repoRoot: context.repoRoot,
      home: join(context.workDir, 'moda-home-eval'),
      nodeFlags: context.modaNodeFlags,
      // Public callers: the job's requests carry its owner's token, the load generator none.
      env: { MODA_JOB_CONCURRENCY: '1', MODA_RATE_LIMITS: '0', MODA_EVAL_CONCURRENCY: String(CONCURRENCY), MODA_STARTER_EVALS: '0' },
    });
    const evals: EvalRun[] = [];
    const serving: LoadReport[] = [];
    const evalBatches: number[] = [];
    const servingBatches: number[] = [];
    try {
      context.log('eval: importing the OCR system model and the OCR benchmark');
      await runJob(moda, 'catalog-import', { only: ['ocr-ppocrv4-zh', 'ocr-rendered-zh-en'] });
      const commit = String((await api(moda, `/api/models/${MODEL}/revision/main`)).sha);
      const metadata = await readFile(join(context.repoRoot, 'catalog/ocr-rendered-zh-en/test/metadata.jsonl'), 'utf8');
      const images = metadata.trim().split('\n').slice(0, LINES).map((line) => join(context.repoRoot, 'catalog/ocr-rendered-zh-en/test', (JSON.parse(line) as { file_name: string }).file_name));
      // Warm: the model loaded in its child, the dataset prepared for the viewer, both sides' first requests paid.
      context.log('eval: warming up (a 20-line eval job)');
      await runJob(moda, 'eval', { model: MODEL, model_revision: commit, dataset: DATASET, split: 'test', limit: 20 });
      for (let round = 0; round < ROUNDS; round++) {
        context.log(`eval: round ${round + 1}: eval job over ${images.length} lines`);
        const { value: run, meanBatch: evalBatch } = await withMeanBatch(moda, () => evalRound(moda, commit));
        evals.push(run);
        evalBatches.push(evalBatch);
        context.log(`eval: round ${round + 1}: ${run.samplesPerSecond.toFixed(2)} samples/s in the job; serving load for ${Math.round(run.seconds)} s`);
        const { value: report, meanBatch: servingBatch } = await withMeanBatch(moda, () => servingRound(moda, commit, images, Math.max(10, Math.round(run.seconds)), context.repoRoot));
        serving.push(report);
        servingBatches.push(servingBatch);
        context.log(`eval: round ${round + 1}: serving ${report.throughput.toFixed(2)} requests/s`);
      }
    } finally {
      await moda.stop();
    }
    const evalRate = median(evals.map((run) => run.samplesPerSecond));
    const servingRate = median(serving.map((report) => report.throughput));
    const rows: ResultRow[] = [
      { metric: `OCR evaluation, ${MODEL} on ${DATASET} (${CONCURRENCY} in flight)`, unit: 'samples/s', value: evalRate, baseline: servingRate, target: { kind: 'ratio-at-least', min: TARGET } },
      { metric: `eval job CER (${LINES} lines)`, unit: 'CER', value: median(evals.map((run) => run.cer)), target: { kind: 'info' } },
      { metric: 'serving p50 latency at the same concurrency', unit: 'ms', value: median(serving.map((report) => report.p50Ms)), target: { kind: 'info' } },
      { metric: 'eval job p50 request time of a sample', unit: 'ms', value: median(evals.map((run) => run.p50Ms)), target: { kind: 'info' } },
      { metric: 'mean batch the model ran: eval job (value) vs serving load (baseline)', unit: 'inputs', value: median(evalBatches), baseline: median(servingBatches), target: { kind: 'info' } },
      { metric: 'eval job samples in flight (mean over the run)', unit: 'samples', value: median(evals.map((run) => run.meanInFlight)), target: { kind: 'info' } },
    ];
    return {
      id: 'eval',
      title: 'Evaluation throughput: OCR eval job vs serving the same model at saturation',
      method: [
        `Built server (MODA_JOB_CONCURRENCY=1, MODA_EVAL_CONCURRENCY=${CONCURRENCY}, rate limits off); the catalog's ${MODEL} and ${DATASET} imported by a catalog-import job; a 20-line eval job first warms the model and prepares the dataset.`,
        `Moda: an \`eval\` job over the ${LINES} lines of the test split (\`limit\`) at the model's pinned commit; samples/s is the job's own count over its sample loop (reading each image from the dataset, one pipeline request each, ${CONCURRENCY} in flight), as its result reports it.`,
        `Baseline: the serving benchmark's closed-loop load generator (its own process) POSTing the same ${LINES} images in turn to \`POST /api/v1/models/${MODEL}/pipeline?revision=<commit>&task=ocr\` with ${CONCURRENCY} clients, 3 s warm-up, then as long as the eval run took; 2xx answers/s.`,
        `${ROUNDS} round(s) of eval job then serving load; medians are compared.`,
      ],
      rows,
      notes: [
        `Eval runs: ${evals.map((run) => `${run.samplesPerSecond.toFixed(2)} samples/s (${run.samples} samples, ${run.failed} failed, ${run.seconds.toFixed(1)} s, p50 ${Math.round(run.p50Ms)} ms, ${run.meanInFlight.toFixed(1)} in flight)`).join('; ')}.`,
        `Serving runs: ${serving.map((report) => `${report.throughput.toFixed(2)} requests/s (p50 ${Math.round(report.p50Ms)} ms, p99 ${Math.round(report.p99Ms)} ms)`).join('; ')}.`,
      ],
    };
  },
};
