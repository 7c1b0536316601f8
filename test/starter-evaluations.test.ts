// The starter evaluations end to end, as a first start runs them: a server with the catalog and
// starter evaluations on imports the OCR starter models and the rendered OCR benchmark (a catalog
// folder holding just those entries, the benchmark cut to a stratified subset so the file stays well
// inside the per-file limit: its time is the models' loads and the jobs' starts far more than the
// lines), pairs them by task itself and runs one `eval` job per pair. Each job
// must succeed, its scores must be what its own per-sample predictions give (recomputed here with
// jiwer's corpus-level CER), land in the model's model-index and on the benchmark's leaderboard, and
// both OCR systems (PP-OCRv4 and Tesseract) must be ranked there.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { CATALOG_DIR } from '../src/catalog/read-catalog.js';
import { starterEvaluationJobId } from '../src/evaluation/starter-evaluations.js';
import { finished, getJob, type JobJson } from './helpers/jobs.js';
import { startTestServer, type TestServer } from './helpers/moda-server.js';

const BENCHMARK = 'moda/ocr-rendered-zh-en';
const MODELS = ['moda/ocr-ppocrv4-zh', 'moda/ocr-tesseract-chi-sim'];
/** Lines per distortion kept from the 300 (none, rotated, noised, rotated+noised, upside_down). */
const PER_DISTORTION = 3;
const JOB_TIMEOUT_MS = 240_000;

let server: TestServer;
let catalogDir: string;
const jobs = new Map<string, JobJson>();

interface MetadataLine {
  file_name: string;
  text: string;
  distortion: string;
}

/** A catalog folder with the OCR models and the benchmark cut to PER_DISTORTION lines per distortion. */
async function ocrCatalog(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'moda-starter-evals-'));
  for (const name of ['ocr-ppocrv4-zh', 'ocr-tesseract-chi-sim']) await cp(join(CATALOG_DIR, name), join(dir, name), { recursive: true });
  const source = join(CATALOG_DIR, 'ocr-rendered-zh-en');
  const target = join(dir, 'ocr-rendered-zh-en');
  await cp(source, target, { recursive: true, filter: (path) => !/\/test\/[^/]+\.(png|jpg)$/.test(path) });
  const lines = (await readFile(join(source, 'test/metadata.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as MetadataLine);
  const kept: MetadataLine[] = [];
  const counts = new Map<string, number>();
  for (const line of lines) {
    const count = counts.get(line.distortion) ?? 0;
    if (count >= PER_DISTORTION) continue;
    counts.set(line.distortion, count + 1);
    kept.push(line);
  }
  assert.equal(counts.size, 5, 'every distortion is in the subset');
  for (const line of kept) await cp(join(source, 'test', line.file_name), join(target, 'test', line.file_name));
  await writeFile(join(target, 'test/metadata.jsonl'), `${kept.map((line) => JSON.stringify(line)).join('\n')}\n`);
  const card = await readFile(join(source, 'README.md'), 'utf8');
  await writeFile(join(target, 'README.md'), card.replace(/num_examples: 300/, `num_examples: ${kept.length}`));
  return dir;
}

/** Levenshtein distance over code points (the textbook dynamic programme, written here independently of src/). */
function levenshtein(a: string[], b: string[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    previous = current;
  }
  return previous[b.length]!;
}

/** jiwer.cer: total edits over total reference characters, ends stripped, a failed sample as empty text. */
function corpusCer(rows: { reference: string; prediction: string | null }[]): number {
  let edits = 0;
  let length = 0;
  for (const row of rows) {
    const reference = [...row.reference.trim()];
    edits += levenshtein([...(row.prediction ?? '').trim()], reference);
    length += reference.length;
  }
  return edits / length;
}

async function waitForStarterJob(model: string): Promise<JobJson> {
  const id = starterEvaluationJobId(model, BENCHMARK);
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  for (;;) {
    // Absent until the catalog import has succeeded and the server has paired the starters.
    const job = await getJob(server.request, id).catch(() => undefined);
    if (job && finished(job)) return job;
    if (Date.now() > deadline) throw new Error(`starter evaluation ${id} of ${model} did not finish within ${JOB_TIMEOUT_MS} ms: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const metricOf = (job: JobJson, type: string): number => {
  const found = (job.result?.metrics as { type: string; value: number }[] | undefined)?.find((entry) => entry.type === type);
  assert.ok(found, `${job.params.model}: no ${type} in ${JSON.stringify(job.result?.metrics)}`);
  return found.value;
};

before(async () => {
  catalogDir = await ocrCatalog();
  // One instance per model: loading PP-OCRv4's three sessions in two per-core children plus a solo
  // one was most of its job's time, and scale-out is not what this file checks. Both jobs at once.
  server = await startTestServer({ catalog: true, starterEvals: true, catalogDir, jobConcurrency: 2, modelReplicas: 1 });
  for (const model of MODELS) jobs.set(model, await waitForStarterJob(model));
});

after(async () => {
  await server?.stop();
  if (catalogDir) await rm(catalogDir, { recursive: true, force: true });
});

void test('the server pairs each OCR starter model with the OCR benchmark and every job succeeds on every line', () => {
  for (const [model, job] of jobs) {
    assert.equal(job.state, 'succeeded', `${model}: ${JSON.stringify(job.error)}`);
    assert.equal(job.owner, 'admin');
    assert.deepEqual({ model: job.params.model, dataset: job.params.dataset, split: job.params.split }, { model, dataset: BENCHMARK, split: 'test' });
    const result = job.result as { samples: number; failed: number; task: string; commit: { oid: string } | null };
    assert.equal(result.task, 'ocr');
    assert.equal(result.samples, 5 * PER_DISTORTION);
    assert.equal(result.failed, 0, `${model}: ${JSON.stringify(job.result?.failures)}`);
    assert.ok(result.commit, `${model}: the results were committed`);
  }
});

void test("each job's scores are what its own predictions give, within sane bounds", async () => {
  for (const [model, job] of jobs) {
    const artifact = await server.request(`/api/v1/jobs/${job.id}/artifacts/predictions.jsonl`);
    assert.equal(artifact.status, 200);
    const rows = (await artifact.text()).trim().split('\n').map((line) => JSON.parse(line) as { reference: string; prediction: string | null });
    assert.equal(rows.length, 5 * PER_DISTORTION);
    const cer = metricOf(job, 'cer');
    assert.ok(Math.abs(cer - corpusCer(rows)) < 1e-9, `${model}: cer ${cer} vs ${corpusCer(rows)} from its predictions`);
    // Real readings: some lines read exactly, and the rate is neither perfect nor noise.
    assert.ok(rows.some((row) => row.prediction?.trim() === row.reference.trim()), `${model} read no line exactly`);
    assert.ok(cer > 0 && cer < 1, `${model}: cer ${cer}`);
    const wer = metricOf(job, 'wer');
    assert.ok(wer > 0 && wer <= 2, `${model}: wer ${wer}`);
    assert.ok(metricOf(job, 'throughput') > 0);
  }
  // PP-OCRv4 (detector, recogniser) beats 0.5 CER on these lines even with upside-down ones in them.
  assert.ok(metricOf(jobs.get('moda/ocr-ppocrv4-zh')!, 'cer') < 0.5);
});

void test("the results are in each model's model-index, verified, at the evaluated commits", async () => {
  for (const [model, job] of jobs) {
    const readme = await (await server.request(`/${model}/resolve/main/README.md`)).text();
    const front = parseYaml(/^---\n([\s\S]*?)\n---/.exec(readme)![1]!) as { 'model-index': { results: { task: { type: string }; dataset: { type: string; split: string; revision: string }; metrics: { type: string; value: number; verified: boolean }[] }[] }[] };
    const entry = front['model-index'][0]!.results.find((result) => result.dataset.type === BENCHMARK);
    assert.ok(entry, `${model}: no model-index entry for ${BENCHMARK}`);
    assert.equal(entry.task.type, 'ocr');
    assert.equal(entry.dataset.revision, (job.result as { dataset_commit: string }).dataset_commit);
    const cer = entry.metrics.find((metric) => metric.type === 'cer');
    assert.ok(cer?.verified);
    assert.ok(Math.abs(cer.value - metricOf(job, 'cer')) < 1e-6, `${model}: model-index cer ${cer.value} vs job ${metricOf(job, 'cer')}`);
  }
});

void test('both OCR systems are ranked on the leaderboard by CER, lower first, with the jobs as their sources', async () => {
  const board = (await (await server.request(`/api/leaderboards/${BENCHMARK}`, { token: null })).json()) as {
    metric: string;
    higher_is_better: boolean;
    rows: { model: string; rank: number | null; status: string; score: number; tasks: Record<string, { value: number; job_id: string | null }> }[];
  };
  assert.equal(board.metric, 'cer');
  assert.equal(board.higher_is_better, false);
  const ranked = board.rows.filter((row) => row.rank !== null);
  assert.deepEqual(ranked.map((row) => row.model).sort(), [...MODELS].sort());
  for (const row of ranked) {
    const job = jobs.get(row.model)!;
    assert.equal(row.status, 'verified');
    assert.equal(row.tasks.test?.job_id, job.id);
    assert.ok(Math.abs(row.score - metricOf(job, 'cer')) < 1e-6, `${row.model}: leaderboard ${row.score} vs job ${metricOf(job, 'cer')}`);
  }
  assert.ok(ranked[0]!.score <= ranked[1]!.score);
  assert.deepEqual(ranked.map((row) => row.rank), ranked[0]!.score === ranked[1]!.score ? [1, 1] : [1, 2]);
  // The numbers behind the issue note, in the test output.
  for (const row of ranked) {
    const job = jobs.get(row.model)!;
    console.log(`${row.model}: rank ${row.rank}, cer ${metricOf(job, 'cer').toFixed(4)}, cer_no_space ${metricOf(job, 'cer_no_space').toFixed(4)}, wer ${metricOf(job, 'wer').toFixed(4)}, ${metricOf(job, 'throughput').toFixed(2)} images/s on ${5 * PER_DISTORTION} lines`);
  }
});
