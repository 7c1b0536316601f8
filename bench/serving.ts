// Benchmark `serving`: Moda's inference server against the limit of the engine beneath it and
// against naive serving, on two real models — the PP-OCRv4 recogniser (ONNX Runtime) on text-line
// images and CenterNet (tfjs wasm) on a photo. Throughput at saturation, latency at 1, 8 and 64
// clients, memory with three models loaded, a request storm and a sustained load at 80 %.
// Part of `npm run bench`, or alone: `npm run bench -- serving [--sustain-s=N]`.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../src/config/config.js';
import { catalogSnapshot } from '../test/helpers/catalog-snapshot.js';
import { characterAccuracy } from '../test/fixtures/render-text-image.js';
import type { BenchContext, BenchResult, Benchmark } from './lib/bench-types.js';
import { runChecked } from './lib/child-process.js';
import { startModa, type ModaServer } from './lib/moda-server.js';
import { startEngine, type EngineKind, type EngineProcess, type Window } from './lib/serving-engine.js';
import { LINE_SIZE, photoVariants, renderLineImages, PHOTO_SOURCE } from './lib/serving-inputs.js';
import { countStatuses, runLoad, type LoadPlan, type LoadReport } from './lib/serving-load.js';
import { startNaive, type NaiveServer } from './lib/serving-naive.js';
import { bestPoint, LATENCY_CLIENTS, loadText, median, modelNotes, modelRows, SATURATION_CLIENTS, type Latency, type Measured, type Single, type Timing } from './lib/serving-report.js';
import { rssBytes, traceRss, waitIdle } from './lib/serving-process.js';

export interface ServingOptions {
  /** Length of the sustained-load check. */
  sustainSeconds: number;
  /** Raw engine, pipeline, Moda and the naive route take turns this many times at saturation; medians are reported. */
  rounds: number;
  /** Turns of one client alone on the raw engine, the pipeline, Moda and the naive route. */
  turns: number;
}

export const DEFAULT_SUSTAIN_SECONDS = 120;
export const DEFAULT_SERVING_ROUNDS = 3;
export const DEFAULT_SERVING_TURNS = 7;

const BATCHES = [1, 2, 4, 8, 16];
/** The raw engine and the naive route run their ONNX sessions as Moda's model processes do by default (MODA_ONNX_SPINNING). */
const SPINNING = loadConfig({}).onnxSpinning;
const STORM_CLIENTS = 1024;
const STORM_SECONDS = 10;
const SUSTAIN_SHARE = 0.8;
/** "Throughput holds" in a storm: recognitions answered stay at least this share of Moda's at 64 clients. */
const HOLDS = 0.8;
/** MODA_MAX_QUEUE's default: the storm sends four times as many concurrent requests. */
const DEFAULT_MAX_QUEUE = 256;

interface ModelUnderTest {
  kind: Exclude<EngineKind, 'ocr'>;
  label: string;
  catalogName: string;
  repo: string;
  contentType: string;
  inputs: string[];
  timing: Timing;
}

/** Measurement windows per model: CenterNet answers a few images a second, so its closed loops take longer to reach steady state. */
const REC_TIMING: Timing = {
  sweepSeconds: 2,
  pipelineSweepSeconds: 1.5,
  windows: { 1: { warmupSeconds: 0.5, seconds: 2 }, 8: { warmupSeconds: 1, seconds: 4 }, 64: { warmupSeconds: 3, seconds: 8 } },
  round: { warmupSeconds: 2, seconds: 5 },
};
const CENTERNET_TIMING: Timing = {
  sweepSeconds: 4,
  pipelineSweepSeconds: 4,
  windows: { 1: { warmupSeconds: 1, seconds: 2.5 }, 8: { warmupSeconds: 2, seconds: 6 }, 64: { warmupSeconds: 6, seconds: 8 } },
  round: { warmupSeconds: 3, seconds: 5 },
};

const mib = (bytes: number) => bytes / (1024 * 1024);

/** A load whose answers must all be 2xx (a saturation or latency measurement). */
async function cleanLoad(plan: LoadPlan, what: string, repoRoot: string): Promise<LoadReport> {
  const report = await runLoad(plan, repoRoot);
  if (Object.keys(report.statuses).some((status) => !status.startsWith('2'))) throw new Error(`${what}: answers other than 2xx: ${JSON.stringify(report.statuses)}`);
  return report;
}

async function postImage(url: string, path: string, contentType: string): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body: await readFile(path), signal: AbortSignal.timeout(120_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as unknown;
}

async function importModels(context: BenchContext, home: string, names: string[]): Promise<void> {
  const result = await runChecked(process.execPath, [join(context.repoRoot, 'dist/cli/main.js'), 'catalog', 'import', ...names, '--json'], {
    cwd: context.repoRoot,
    env: { ...process.env, MODA_HOME: home, MODA_RATE_LIMIT_INFERENCE: '0' },
    timeoutMs: 180_000,
  });
  const imported = JSON.parse(result.stdout) as { status: string }[];
  if (imported.length !== names.length || imported.some((entry) => entry.status === 'skipped')) throw new Error(`catalog import: ${result.stdout}`);
}

/** Everything measured for one model: the engine alone, then Moda and the naive route taking turns. */
async function measureModel(context: BenchContext, options: ServingOptions, model: ModelUnderTest, engine: EngineProcess, moda: ModaServer, naive: NaiveServer): Promise<Measured> {
  const { timing } = model;
  const servers = { Moda: { url: `${moda.url}/api/v1/models/${model.repo}/pipeline`, pid: moda.service.child.pid! }, naive: { url: `${naive.url}/${model.catalogName}`, pid: naive.service.child.pid! } };
  const load = async (side: keyof typeof servers, clients: number, window: Window) => {
    const report = await cleanLoad({ url: servers[side].url, bodies: model.inputs, contentType: model.contentType, clients, ...window }, `${side} ${model.repo}, ${clients} clients`, context.repoRoot);
    await waitIdle(servers[side].pid);
    return report;
  };
  context.log(`serving: ${model.repo}: raw engine and pipeline sweeps`);
  const engineSweep = await engine.sweep('engine', BATCHES, timing.sweepSeconds);
  const pipelineSweep = await engine.sweep('pipeline', model.kind === 'centernet' ? [1] : BATCHES, timing.pipelineSweepSeconds);
  const best = bestPoint(engineSweep);
  const pipelineBest = bestPoint(pipelineSweep);
  context.log(`serving: ${model.repo}: latency at ${LATENCY_CLIENTS.filter((clients) => clients !== 1).join(', ')} clients`);
  const engineLatency = [];
  for (const clients of LATENCY_CLIENTS) if (clients !== 1) engineLatency.push(await engine.concurrency('engine', clients, timing.windows[clients]));
  const modaEight = await load('Moda', 8, timing.windows[8]);
  const rounds: Measured['rounds'] = [];
  for (let round = 0; round < options.rounds; round++) {
    // Every side in turn, so a burst of other work on the shared machine hits each of them alike.
    const [raw] = await engine.sweep('engine', [best.batch], timing.sweepSeconds);
    const [pipeline] = await engine.sweep('pipeline', [pipelineBest.batch], timing.pipelineSweepSeconds);
    // The first round runs long enough for steady-state latency at 64 clients; later ones only count answers.
    const window = round === 0 ? timing.windows[SATURATION_CLIENTS] : timing.round;
    const moda = await load('Moda', SATURATION_CLIENTS, window);
    const naive = await load('naive', SATURATION_CLIENTS, window);
    rounds.push({ raw: raw?.itemsPerSecond ?? 0, pipeline: pipeline?.itemsPerSecond ?? 0, moda, naive });
    context.log(`serving: ${model.repo}: round ${round + 1}/${options.rounds}: raw B=${best.batch} ${rounds.at(-1)!.raw.toFixed(1)}/s, Moda ${moda.throughput.toFixed(1)}/s, naive ${naive.throughput.toFixed(1)}/s`);
  }
  // One client alone, in short turns of all four sides back to back; the order rotates each turn so
  // no side always runs first. Each turn's differences are taken within the turn (paired), so a
  // burst of other work that slows a whole turn cancels out of them.
  const singles: Single[] = [];
  const answeredLatency = (report: LoadReport): Latency => ({ p50Ms: report.p50Ms, p99Ms: report.p99Ms, answered: countStatuses(report, 200, 300) });
  const sides: ((window: Window) => Promise<[keyof Single, Latency]>)[] = [
    async (window) => ['raw', await engine.concurrency('engine', 1, window)],
    async (window) => ['pipeline', await engine.concurrency('pipeline', 1, window)],
    async (window) => ['moda', answeredLatency(await load('Moda', 1, window))],
    async (window) => ['naive', answeredLatency(await load('naive', 1, window))],
  ];
  for (let turn = 0; turn < options.turns; turn++) {
    const measured: Partial<Single> = {};
    for (let index = 0; index < sides.length; index++) {
      const [side, result] = await sides[(index + turn) % sides.length]!(timing.windows[1]);
      measured[side] = result;
    }
    const single = measured as Single;
    singles.push(single);
    context.log(`serving: ${model.repo}: 1 client, turn ${turn + 1}/${options.turns}: p50 raw ${single.raw.p50Ms.toFixed(1)}, pipeline ${single.pipeline.p50Ms.toFixed(1)}, Moda ${single.moda.p50Ms.toFixed(1)}, naive ${single.naive.p50Ms.toFixed(1)} ms`);
  }
  return { model, shape: engine.shape ?? '', engineSweep, pipelineSweep, pipelineBatch: pipelineBest.batch, engineLatency, moda: new Map([[8, modaEight], [SATURATION_CLIENTS, rounds[0]!.moda]]), rounds, singles };
}

/** The recogniser's raw session at batch 1 on an idle machine of this kind (reference/offline-models.md). */
const IDLE_RECOGNISER_ITEMS_PER_SECOND = 65;

/** Where the recogniser's throughput goes, from this run's numbers, and what the profile showed. */
function findings(rec: Measured, storm: LoadReport, politeStorm: LoadReport): string[] {
  const single = rec.engineSweep.find((point) => point.batch === 1)?.itemsPerSecond ?? 0;
  const busy =
    single < 0.75 * IDLE_RECOGNISER_ITEMS_PER_SECOND
      ? [
          `The raw recogniser ran at ${single.toFixed(1)}/s at B=1 here, against ${IDLE_RECOGNISER_ITEMS_PER_SECOND}/s on an idle machine of this kind (reference/offline-models.md): other processes held much of the CPU. That slows ONNX Runtime's two threads more than the rest of the path and flatters every ratio to the raw engine; trust a ratio only from a run at low load.`,
        ]
      : [];
  const raw = median(rec.rounds.map((round) => round.raw));
  const pipeline = median(rec.rounds.map((round) => round.pipeline));
  const moda = median(rec.rounds.map((round) => round.moda.throughput));
  const percent = (part: number, whole: number) => `${((100 * part) / Math.max(1e-9, whole)).toFixed(0)} %`;
  return [
    ...busy,
    `Where the recogniser's throughput goes (medians of the rounds): the pipeline in-process keeps ${percent(pipeline, raw)} of the raw engine, losing the rest to decoding each PNG, sampling the line into the tensor and CTC decoding; Moda over HTTP answers ${percent(moda, raw)} of the raw engine's rate and ${percent(moda, pipeline)} of the pipeline in-process: it gains one single-threaded session per core, which no thread waits on at each operator, and pays HTTP, the hub lookups, batching and JSON on the same two cores as the load generator.`,
    'How Moda overlaps the work: onnxruntime-node 1.30 runs session.run synchronously on its calling thread (its backend calls the native run inside setImmediate) and tfjs-wasm executes there too, so a model on the server thread would stop HTTP, validation and queueing of the next requests for every batch it runs. Moda runs each served model instance in a child process of its own (src/serve/pipeline-child.ts, batches over IPC with structured-clone serialization): the server thread parses, validates and queues the next requests while the child decodes and infers. A single-threaded engine (CenterNet on tfjs-wasm) and a small ONNX model (the recogniser) get one single-threaded instance per core (`MODA_MODEL_REPLICAS`, a deployment\'s `max_concurrency`), which the raw engine in one process and the naive route cannot use, hence Moda above the in-process limit for CenterNet; for the recogniser it also means no thread waits for the slowest at every operator, and a lone request still gets every core, on the solo session. What is left between Moda and the recogniser\'s raw engine: decoding, sampling and CTC inside the child run between two session.run calls rather than beside them, and HTTP plus the load generator share the same two cores.',
    `Storm: the server thread answered ${(countStatuses(storm, 429, 430) / STORM_SECONDS).toFixed(0)} 429s a second (each refused after the access check and one queue look-up, before its body is read) while the model's processes kept running batches, ${storm.throughput.toFixed(1)} recognitions/s: clients that retry at once turn every cheap refusal into another request, so the load generator's ${STORM_CLIENTS} clients and the server thread held most of the two cores the model processes need. With clients that wait out Retry-After, ${(countStatuses(politeStorm, 429, 430) / STORM_SECONDS).toFixed(0)} 429s a second and ${politeStorm.throughput.toFixed(1)} recognitions/s.`,
  ];
}

async function run(context: BenchContext, options: ServingOptions): Promise<BenchResult> {
  const dir = join(context.workDir, 'serving');
  await mkdir(dir, { recursive: true });
  const lines = await renderLineImages(dir);
  const photos = await photoVariants(dir);
  const models: ModelUnderTest[] = [
    { kind: 'rec', label: 'recogniser', catalogName: 'ocr-ppocrv4-rec-zh', repo: 'moda/ocr-ppocrv4-rec-zh', contentType: 'image/png', inputs: lines.map((line) => line.path), timing: REC_TIMING },
    { kind: 'centernet', label: 'CenterNet', catalogName: 'detection-centernet-coco', repo: 'moda/detection-centernet-coco', contentType: 'image/jpeg', inputs: photos.map((photo) => photo.path), timing: CENTERNET_TIMING },
  ];
  /** The third model of the memory check: the whole PP-OCR system (detector, recogniser, classifier). */
  const third = { kind: 'ocr' as const, catalogName: 'ocr-ppocrv4-zh', repo: 'moda/ocr-ppocrv4-zh', inputs: [lines[0]!.path] };
  const names = [...models.map((model) => model.catalogName), third.catalogName];

  const snapshots = new Map<string, string>();
  const engines = new Map<string, EngineProcess>();
  const home = join(context.workDir, 'serving-home');
  let moda: ModaServer | undefined;
  let naive: NaiveServer | undefined;
  try {
    for (const name of names) snapshots.set(name, (await catalogSnapshot(name)).dir);
    context.log('serving: importing the models into a fresh MODA_HOME');
    await importModels(context, home, names);

    // Each model alone in a process of its own: its memory now, its raw engine later.
    const rawMemory = new Map<string, number>();
    for (const entry of [...models, third]) {
      context.log(`serving: ${entry.repo} alone in a process`);
      const engine = await startEngine({ kind: entry.kind, snapshotDir: snapshots.get(entry.catalogName)!, repo: entry.repo, inputs: entry.inputs, threads: 0, spinning: SPINNING, memoryOnly: entry === third }, context.repoRoot);
      rawMemory.set(entry.repo, engine.memory.rssLoadedBytes - engine.memory.rssBaseBytes);
      if (entry === third) await engine.stop();
      else engines.set(entry.repo, engine);
    }

    context.log('serving: starting Moda and the naive route');
    moda = await startModa({ repoRoot: context.repoRoot, home, nodeFlags: context.modaNodeFlags });
    const pid = moda.service.child.pid!;
    const endpoint = (repo: string) => `${moda!.url}/api/v1/models/${repo}/pipeline`;
    const idleRss = await rssBytes(pid);
    // First requests load the three models; the answers must be right.
    const recognised: string[] = [];
    for (const line of lines) recognised.push(((await postImage(endpoint(models[0]!.repo), line.path, 'image/png')) as { output?: { text?: string } }).output?.text ?? '');
    const accuracy = lines.reduce((sum, line, index) => sum + characterAccuracy(line.text, recognised[index]!), 0) / lines.length;
    const detected = (await postImage(endpoint(models[1]!.repo), photos[1]!.path, 'image/jpeg')) as { output?: { label: string }[] };
    const labels = [...new Set((detected.output ?? []).map((detection) => detection.label))];
    if (!labels.includes('dog')) throw new Error(`CenterNet over HTTP found no dog in ${PHOTO_SOURCE}: ${JSON.stringify(detected).slice(0, 500)}`);
    const page = (await postImage(endpoint(third.repo), lines[0]!.path, 'image/png')) as { output?: { text?: string } };
    await sleep(1000);
    const loadedRss = await rssBytes(pid);
    naive = await startNaive(
      models.map((model) => ({ name: model.catalogName, kind: model.kind, snapshotDir: snapshots.get(model.catalogName)!, repo: model.repo, spinning: SPINNING })),
      context.repoRoot,
    );

    const measured: Measured[] = [];
    for (const model of models) {
      measured.push(await measureModel(context, options, model, engines.get(model.repo)!, moda, naive));
      await engines.get(model.repo)!.stop();
      engines.delete(model.repo);
    }
    await naive.stop();
    naive = undefined;
    const afterLoadRss = await rssBytes(pid);

    const rec = models[0]!;
    context.log(`serving: request storm, ${STORM_CLIENTS} clients on ${rec.repo}`);
    const stormTrace = await traceRss(pid);
    const storm = await runLoad({ url: endpoint(rec.repo), bodies: rec.inputs, contentType: rec.contentType, clients: STORM_CLIENTS, warmupSeconds: 0, seconds: STORM_SECONDS }, context.repoRoot);
    const stormRss = await stormTrace.stop();
    // The storm's abandoned requests leave the queue as their clients disconnect; let it drain.
    await waitIdle(pid);
    await postImage(endpoint(rec.repo), lines[0]!.path, 'image/png');
    context.log(`serving: request storm, ${STORM_CLIENTS} clients honouring Retry-After on ${rec.repo}`);
    const politeTrace = await traceRss(pid);
    const politeStorm = await runLoad({ url: endpoint(rec.repo), bodies: rec.inputs, contentType: rec.contentType, clients: STORM_CLIENTS, honourRetryAfter: true, warmupSeconds: 0, seconds: STORM_SECONDS }, context.repoRoot);
    const politeRss = await politeTrace.stop();
    await waitIdle(pid);
    await postImage(endpoint(rec.repo), lines[0]!.path, 'image/png');

    // 80 % of what Moda answers now: the machine is shared, so capacity measured minutes earlier may be stale.
    const capacity = (await cleanLoad({ url: endpoint(rec.repo), bodies: rec.inputs, contentType: rec.contentType, clients: SATURATION_CLIENTS, ...REC_TIMING.round }, 'capacity before the sustained load', context.repoRoot)).throughput;
    await waitIdle(pid);
    const rate = Math.max(1, Math.round(SUSTAIN_SHARE * capacity * 10) / 10);
    context.log(`serving: sustained ${rate} req/s for ${options.sustainSeconds} s on ${rec.repo}`);
    const sustainTrace = await traceRss(pid);
    const sustained = await runLoad({ url: endpoint(rec.repo), bodies: rec.inputs, contentType: rec.contentType, rate, warmupSeconds: 0, seconds: options.sustainSeconds }, context.repoRoot);
    const sustainRss = await sustainTrace.stop();

    const saturation = median(measured[0]!.rounds.map((round) => round.moda.throughput));
    const rawSum = [...rawMemory.values()].reduce((sum, bytes) => sum + bytes, 0);
    const failedAnswers = (report: LoadReport) => countStatuses(report, 500, 600) + (report.statuses.error ?? 0);
    const answers = (report: LoadReport) => Object.values(report.statuses).reduce((sum, count) => sum + count, 0);
    const windowsText = (timing: Timing) =>
      `${LATENCY_CLIENTS.map((clients) => `${clients} client${clients === 1 ? '' : 's'} ${timing.windows[clients].warmupSeconds}+${timing.windows[clients].seconds} s`).join(', ')} (${SATURATION_CLIENTS} after the first round: ${timing.round.warmupSeconds}+${timing.round.seconds} s); engine rates ${timing.sweepSeconds} s per batch size`;
    return {
      id: 'serving',
      title: 'Serving: Moda vs the raw engine and a naive route (PP-OCRv4 recogniser, CenterNet)',
      method: [
        `Models: ${rec.repo} (the PP-OCRv4 recogniser alone, each image one text line; the raw engine runs it as one ONNX Runtime session with ${availableParallelism()} intra-op threads — one process cannot run sessions side by side, as session.run holds its thread — and Moda by default as one single-threaded session per core plus a solo session over every core that takes a batch when nothing else runs or waits, each in a child process of its own) and ${models[1]!.repo} (tfjs wasm, one thread, graph input fixed at batch 1), imported from the starter catalog into a fresh MODA_HOME. Moda runs with its defaults (MODA_MAX_BATCH_SIZE 8, MODA_MAX_QUEUE ${DEFAULT_MAX_QUEUE}, no queue delay); requests are anonymous.`,
        `Inputs: ${lines.length} PNG lines rendered like the OCR tests (${LINE_SIZE.width} × ${LINE_SIZE.height}, ${Math.min(...lines.map((line) => line.bytes))}–${Math.max(...lines.map((line) => line.bytes))} bytes; Moda read them at ${(100 * accuracy).toFixed(1)} % character accuracy) and ${PHOTO_SOURCE} as JPEG at ${photos.map((photo) => `${photo.width}×${photo.height} (${Math.round(photo.bytes / 1024)} KiB)`).join(', ')} (Moda found ${labels.join(', ')}). Each request sends one image as the raw body (\`image/png\`, \`image/jpeg\`) to \`POST /api/v1/models/<repo>/pipeline\`, rotating through the inputs.`,
        `Limit: the raw engine in a separate process with no server — session.run / graph execute on tensors prepared beforehand exactly as the pipeline prepares them, batch sizes ${BATCHES.join(', ')}; the best is the limit. The same process also times the pipeline on image bytes (decode, pre- and post-processing included). ONNX Runtime sessions on every side (raw engine, pipeline, naive route, Moda) ${SPINNING ? 'keep' : 'do not keep'} idle intra-op threads spinning (MODA_ONNX_SPINNING's default).`,
        `Load: closed-loop clients (each sends its next request when its answer arrives) on keep-alive connections, from a separate node process (node:http). The raw engine at its best batch, the pipeline in-process at its best batch, and Moda and the naive route at ${SATURATION_CLIENTS} clients take turns ${options.rounds} times and the medians are compared, so a burst of other work on the shared machine hits each side alike. One client alone: ${options.turns} turns of the raw engine (B=1), the pipeline in-process, Moda and the naive route back to back, in an order that rotates each turn; differences are taken within each turn and their median reported. Windows (warm-up + measured): recogniser ${windowsText(REC_TIMING)}; CenterNet ${windowsText(CENTERNET_TIMING)}. Raw-engine latency: the same numbers of concurrent in-process callers, one item per call.`,
        'Naive serving: a bare fastify process whose route runs the same pipeline (`ppocr`, `centernet`) on each request as it arrives — no queue, no batching, no hub lookups. After every load the benchmark waits until the server it loaded is idle again (a naive route keeps running the requests of clients that left), so no side inherits another\'s work.',
        `Memory: Moda's resident memory (VmRSS) with ${rec.repo}, ${models[1]!.repo} and ${third.repo} loaded and run once, against the sum of what each adds (loaded and run once) to a process that imported the engines, each measured in a process of its own.`,
        `Storm: ${STORM_CLIENTS} closed-loop clients for ${STORM_SECONDS} s on the recogniser (${STORM_CLIENTS / DEFAULT_MAX_QUEUE}× the queue), each retrying at once after a 429; then the same storm with clients that wait out Retry-After (the queue's drain time at the model's recent pace, 1–30 s) after a 429, as well-behaved clients do — there the recognitions answered must stay at least ${100 * HOLDS} % of Moda's at ${SATURATION_CLIENTS} clients ("throughput holds"). Raw image requests to a model whose queue is full are answered 429 before their body is read. Sustained: an open-loop ${rate} req/s (${100 * SUSTAIN_SHARE} % of the ${capacity.toFixed(1)}/s Moda answered at ${SATURATION_CLIENTS} clients just before) for ${options.sustainSeconds} s (\`--sustain-s=N\`; ${DEFAULT_SUSTAIN_SECONDS} s by default).`,
      ],
      rows: [
        ...measured.flatMap(modelRows),
        { metric: 'server RSS growth with 3 models loaded vs sum of each alone', unit: 'MiB', value: mib(loadedRss - idleRss), baseline: mib(rawSum), target: { kind: 'info' } },
        { metric: 'server RSS with 3 models loaded (idle server as baseline)', unit: 'MiB', value: mib(loadedRss), baseline: mib(idleRss), target: { kind: 'info' } },
        { metric: `storm: 5xx or failed answers, of ${answers(storm)}`, unit: 'answers', value: failedAnswers(storm), target: { kind: 'below', max: 1 } },
        { metric: 'storm: 429 answers', unit: 'answers', value: countStatuses(storm, 429, 430), target: { kind: 'info' } },
        { metric: 'storm: recognitions answered (Moda at 64 clients as baseline)', unit: 'req/s', value: storm.throughput, baseline: saturation, target: { kind: 'info' } },
        { metric: 'storm: peak server RSS (before the storm as baseline)', unit: 'MiB', value: mib(stormRss.maxBytes), baseline: mib(stormRss.startBytes), target: { kind: 'info' } },
        { metric: `storm honouring Retry-After: 5xx or failed answers, of ${answers(politeStorm)}`, unit: 'answers', value: failedAnswers(politeStorm), target: { kind: 'below', max: 1 } },
        { metric: 'storm honouring Retry-After: recognitions answered (Moda at 64 clients as baseline)', unit: 'req/s', value: politeStorm.throughput, baseline: saturation, target: { kind: 'ratio-at-least', min: HOLDS } },
        { metric: 'storm honouring Retry-After: peak server RSS (before it as baseline)', unit: 'MiB', value: mib(politeRss.maxBytes), baseline: mib(politeRss.startBytes), target: { kind: 'info' } },
        { metric: `sustained ${rate} req/s for ${options.sustainSeconds} s: 5xx or failed answers, of ${answers(sustained)}`, unit: 'answers', value: failedAnswers(sustained), target: { kind: 'below', max: 1 } },
        { metric: 'sustained: p99 latency (p50 as baseline)', unit: 'ms', value: sustained.p99Ms, baseline: sustained.p50Ms, target: { kind: 'info' } },
        { metric: 'sustained: server RSS at the end (start as baseline)', unit: 'MiB', value: mib(sustainRss.endBytes), baseline: mib(sustainRss.startBytes), target: { kind: 'info' } },
      ],
      notes: [
        ...measured.flatMap(modelNotes),
        ...findings(measured[0]!, storm, politeStorm),
        `Memory alone (MiB added to a process with the engines imported): ${[...rawMemory.entries()].map(([repo, bytes]) => `${repo} ${mib(bytes).toFixed(0)}`).join(', ')}. Moda: ${mib(idleRss).toFixed(0)} MiB idle, ${mib(loadedRss).toFixed(0)} with the three loaded, ${mib(afterLoadRss).toFixed(0)} after the throughput runs. (${third.repo} read "${page.output?.text ?? ''}" from the first line image.)`,
        `Storm: ${loadText(storm)}; RSS ${mib(stormRss.startBytes).toFixed(0)} → peak ${mib(stormRss.maxBytes).toFixed(0)} → ${mib(stormRss.endBytes).toFixed(0)} MiB.`,
        `Storm honouring Retry-After: ${loadText(politeStorm)}; RSS ${mib(politeRss.startBytes).toFixed(0)} → peak ${mib(politeRss.maxBytes).toFixed(0)} → ${mib(politeRss.endBytes).toFixed(0)} MiB.`,
        `Sustained: ${loadText(sustained)}; RSS ${mib(sustainRss.startBytes).toFixed(0)} → ${mib(sustainRss.endBytes).toFixed(0)} MiB (peak ${mib(sustainRss.maxBytes).toFixed(0)}).`,
      ],
    };
  } finally {
    await naive?.stop();
    await Promise.all([...engines.values()].map((engine) => engine.stop()));
    await moda?.stop();
    await Promise.all([...snapshots.values()].map((snapshot) => rm(snapshot, { recursive: true, force: true })));
  }
}

export function servingBenchmark(options: ServingOptions): Benchmark {
  return { id: 'serving', run: (context) => run(context, options) };
}
