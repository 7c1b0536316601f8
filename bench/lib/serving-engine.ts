// The serving benchmark's reference: one model driven in-process with no server in between, in a
// process of its own (so its resident memory is the model's alone). On start it loads the model's
// pipeline, runs it once and reports the resident memory that added; then, on request, it measures
// the raw engine (ONNX Runtime session or tfjs graph on tensors prepared beforehand exactly as the
// pipeline prepares them) or the pipeline on image bytes: items/s per batch size, and latency with N
// concurrent in-process callers. It stays up between requests, so the benchmark can alternate it
// with the servers it is compared with. `startEngine` forks it and talks to it over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decodeImage } from '../../src/pipelines/media/decode-image.js';
import { readingQuad } from '../../src/pipelines/ocr/quad.js';
import { ppocrPipeline } from '../../src/pipelines/ocr/ppocr-pipeline.js';
import { readPpocrConfig } from '../../src/pipelines/ocr/read-ppocr-config.js';
import { channelNormalization, sampleTextLine } from '../../src/pipelines/ocr/sample-text-line.js';
import type { LoadedPipeline, RunContext } from '../../src/pipelines/pipeline-implementation.js';
import { centernetPipeline } from '../../src/pipelines/vision/centernet-pipeline.js';
import { decodeResized } from '../../src/pipelines/vision/model-input.js';
import { loadOnnxModel, OnnxTensor } from '../../src/runtime/engines/onnx-engine.js';
import { graphInputShape, loadTfjsGraphModel, tf } from '../../src/runtime/engines/tfjs-engine.js';
import { openSnapshot, snapshotFile, type ModelSnapshot } from '../../src/runtime/model-snapshot.js';
import { quantile } from './stats.js';

/** `rec`: the PP-OCRv4 recogniser alone; `ocr`: the whole PP-OCR system; `centernet`: the detector. */
export type EngineKind = 'rec' | 'ocr' | 'centernet';

export interface EngineSpec {
  kind: EngineKind;
  snapshotDir: string;
  repo: string;
  /** Image files: text lines for rec/ocr, photos for centernet. */
  inputs: string[];
  /** Intra-op threads for ONNX Runtime sessions (0 = one per core, as the server's default). */
  threads: number;
  /** ONNX Runtime sessions: idle intra-op threads spin (as Moda's model processes do with MODA_ONNX_SPINNING). */
  spinning: boolean;
  /** Only load, run once and report memory (no raw engine). */
  memoryOnly?: boolean;
}

export interface SweepPoint {
  batch: number;
  /** Undefined when the model does not take this batch size. */
  itemsPerSecond?: number;
  error?: string;
}

export interface Window {
  warmupSeconds: number;
  seconds: number;
}

export interface ConcurrencyResult {
  clients: number;
  /** Calls that finished inside the measured window; 0 when none did (latencies are then 0, not measured). */
  answered: number;
  p50Ms: number;
  p99Ms: number;
  throughput: number;
}

export interface EngineMemory {
  /** Resident memory with the engines' libraries imported and nothing loaded. */
  rssBaseBytes: number;
  /** Resident memory after loading the pipeline and running it once. */
  rssLoadedBytes: number;
}

/** `engine`: the raw session or graph on prepared tensors; `pipeline`: the pipeline on image bytes. */
export type EngineTarget = 'engine' | 'pipeline';

type Request = { op: 'sweep'; target: EngineTarget; batches: number[]; seconds: number } | { op: 'concurrency'; target: EngineTarget; clients: number; window: Window };
type Command = Request & { id: number };

type Reply = { id: number; result?: unknown; error?: string } | { ready: EngineMemory & { shape?: string } } | { failed: string };

const context: RunContext = { maxImagePixels: 100_000_000, fetch: globalThis.fetch };

/** Runs `call` repeatedly for `seconds` after one unmeasured run; items per second. */
async function rate(call: () => Promise<unknown>, items: number, seconds: number): Promise<number> {
  await call();
  const started = performance.now();
  let done = 0;
  while (performance.now() - started < seconds * 1000) {
    await call();
    done += items;
  }
  return (1000 * done) / (performance.now() - started);
}

async function sweep(batches: number[], seconds: number, callFor: (batch: number) => (() => Promise<unknown>) | string): Promise<SweepPoint[]> {
  const points: SweepPoint[] = [];
  for (const batch of batches) {
    const call = callFor(batch);
    if (typeof call === 'string') {
      points.push({ batch, error: call });
      continue;
    }
    try {
      points.push({ batch, itemsPerSecond: await rate(call, batch, seconds) });
    } catch (error) {
      points.push({ batch, error: (error as Error).message.split('\n')[0] ?? 'failed' });
    }
  }
  return points;
}

/**
 * `clients` concurrent loops, each calling `call` and timing it; latencies in the measured window.
 * Calls go through one FIFO: ONNX Runtime's node binding (session.run inside setImmediate) and tfjs
 * wasm both run on the calling thread, so calls never overlap anyway, and the FIFO lets callers
 * still waiting when the window closes leave without running.
 */
async function concurrent(call: () => Promise<unknown>, clients: number, window: Window): Promise<ConcurrencyResult> {
  const begin = performance.now();
  const windowStart = begin + window.warmupSeconds * 1000;
  const windowEnd = windowStart + window.seconds * 1000;
  const latencies: number[] = [];
  let fifo: Promise<unknown> = Promise.resolve();
  const client = async () => {
    while (performance.now() < windowEnd) {
      const started = performance.now();
      const turn = fifo.then(() => (performance.now() < windowEnd ? call() : undefined));
      fifo = turn;
      await turn;
      const finished = performance.now();
      if (finished >= windowStart && finished <= windowEnd) latencies.push(finished - started);
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  // On a loaded machine a slow model (CenterNet) may finish no call inside the window: that is reported, not a crash.
  const answered = latencies.length;
  return { clients, answered, p50Ms: answered > 0 ? quantile(latencies, 0.5) : 0, p99Ms: answered > 0 ? quantile(latencies, 0.99) : 0, throughput: answered / window.seconds };
}

function loadPipeline(spec: EngineSpec, snapshot: ModelSnapshot): Promise<LoadedPipeline> {
  const options = { device: 'cpu' as const, threads: spec.threads, spinning: spec.spinning };
  return spec.kind === 'centernet' ? centernetPipeline.load(snapshot, { ...options, task: 'object-detection' }) : ppocrPipeline.load(snapshot, { ...options, task: 'ocr' });
}

/** The recogniser's session and its inputs exactly as the pipeline samples them: [1, 3, 48, width] each. */
async function recEngine(spec: EngineSpec, snapshot: ModelSnapshot, images: Buffer[]) {
  const config = readPpocrConfig(snapshot.configuration);
  const model = await loadOnnxModel(await snapshotFile(snapshot, config.files.rec), { device: 'cpu', threads: spec.threads, spinning: spec.spinning });
  const height = config.rec.imageHeight;
  const normalization = channelNormalization(config.channelOrder, config.rec.mean, config.rec.std);
  const decoded = await Promise.all(images.map((bytes) => decodeImage(bytes, { maxPixels: context.maxImagePixels, fetch: context.fetch })));
  const widest = Math.max(...decoded.map((image) => Math.ceil((height * image.width) / image.height)));
  const width = Math.max(config.rec.minWidth, Math.ceil(widest / 8) * 8);
  const item = 3 * height * width;
  const items = decoded.map((image) => {
    const data = new Float32Array(item);
    const quad = readingQuad([[0, 0], [image.width, 0], [image.width, image.height], [0, image.height]]);
    sampleTextLine(image, quad, Math.min(width, Math.ceil((height * image.width) / image.height)), { data, offset: 0, width, height }, normalization);
    return data;
  });
  const input = model.inputNames[0] ?? 'x';
  const feed = (batch: number) => {
    const data = new Float32Array(batch * item);
    for (let index = 0; index < batch; index++) data.set(items[index % items.length]!, index * item);
    return { [input]: new OnnxTensor('float32', data, [batch, 3, height, width]) };
  };
  return { shape: `[B, 3, ${height}, ${width}]`, call: (batch: number) => () => model.run(feed(batch)), dispose: () => model.dispose() };
}

/** The CenterNet graph and its inputs exactly as the pipeline prepares them: [B, 512, 512, 3] floats. */
async function centernetEngine(snapshot: ModelSnapshot, images: Buffer[]) {
  const settings = snapshot.configuration?.model as { file?: string; output?: string } | undefined;
  const graph = await loadTfjsGraphModel(await snapshotFile(snapshot, settings?.file ?? 'model.json'));
  const [, height = 512, width = 512] = graphInputShape(graph.model);
  const prepared = await Promise.all(images.map((bytes) => decodeResized(bytes, 'object-detection', context, width, height, 1)));
  const item = height * width * 3;
  const output = settings?.output ?? 'tower_0/detections';
  const call = (batch: number) => {
    const pixels = new Float32Array(batch * item);
    for (let index = 0; index < batch; index++) pixels.set(prepared[index % prepared.length]!.pixels, index * item);
    return async () => {
      const result = tf.tidy(() => graph.model.execute(tf.tensor4d(pixels, [batch, height, width, 3]), output) as tf.Tensor);
      try {
        return await result.data();
      } finally {
        result.dispose();
      }
    };
  };
  return { shape: `[B, ${height}, ${width}, 3]`, call, dispose: () => graph.dispose() };
}

interface Engine {
  shape: string;
  call(batch: number): () => Promise<unknown>;
  dispose(): Promise<void> | void;
}

async function serveCommands(spec: EngineSpec): Promise<void> {
  const send = (reply: Reply) => process.send?.(reply);
  const images = await Promise.all(spec.inputs.map((path) => readFile(path)));
  const snapshot = await openSnapshot(spec.snapshotDir, spec.repo, '0'.repeat(40));
  const rssBaseBytes = process.memoryUsage.rss();
  const pipeline = await loadPipeline(spec, snapshot);
  await pipeline.run([images[0]!], {}, context);
  const rssLoadedBytes = process.memoryUsage.rss();
  let engine: Engine | undefined;
  if (!spec.memoryOnly) engine = spec.kind === 'centernet' ? await centernetEngine(snapshot, images) : await recEngine(spec, snapshot, images);
  const calls: Record<EngineTarget, (batch: number) => () => Promise<unknown>> = {
    // Each call takes the next images in turn, as the load generator sends them.
    pipeline: (batch) => {
      let next = 0;
      return () => pipeline.run(Array.from({ length: batch }, () => images[next++ % images.length]!), {}, context);
    },
    engine: (batch) => {
      if (!engine) throw new Error('started with memoryOnly: no raw engine');
      return engine.call(batch);
    },
  };
  // One command at a time: measurements must not overlap.
  let chain = Promise.resolve();
  process.on('message', (command: Command) => {
    chain = chain.then(async () => {
      try {
        const result = command.op === 'sweep' ? await sweep(command.batches, command.seconds, calls[command.target]) : await concurrent(calls[command.target](1), command.clients, command.window);
        send({ id: command.id, result });
      } catch (error) {
        send({ id: command.id, error: (error as Error).message });
      }
    });
  });
  process.on('disconnect', () => {
    void Promise.all([pipeline.dispose(), engine?.dispose()]).finally(() => process.exit(0));
  });
  send({ ready: { rssBaseBytes, rssLoadedBytes, ...(engine && { shape: engine.shape }) } });
}

export interface EngineProcess {
  memory: EngineMemory;
  /** The raw engine's input shape, e.g. [B, 3, 48, 320]. */
  shape?: string;
  sweep(target: EngineTarget, batches: number[], seconds: number): Promise<SweepPoint[]>;
  concurrency(target: EngineTarget, clients: number, window: Window): Promise<ConcurrencyResult>;
  stop(): Promise<void>;
}

const self = fileURLToPath(import.meta.url);

/** Forks the reference process for one model and waits until it has loaded and measured memory. */
export async function startEngine(spec: EngineSpec, repoRoot: string, timeoutMs = 180_000): Promise<EngineProcess> {
  const child: ChildProcess = fork(self, [JSON.stringify(spec)], { cwd: repoRoot, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  let ready: ((memory: EngineMemory & { shape?: string }) => void) | undefined;
  let failed: ((error: Error) => void) | undefined;
  child.on('message', (reply: Reply) => {
    if ('ready' in reply) return ready?.(reply.ready);
    if ('failed' in reply) return failed?.(new Error(reply.failed));
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.error !== undefined) waiter?.reject(new Error(`${spec.repo}: ${reply.error}`));
    else waiter?.resolve(reply.result);
  });
  child.on('exit', (code) => {
    const error = new Error(`the ${spec.repo} engine process exited (${code}): ${stderr}`);
    failed?.(error);
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.disconnect();
    const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(forced);
  };
  const request = <T>(command: Request, ms: number): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${spec.repo}: no answer to ${command.op} in ${ms} ms`));
      }, ms);
      pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      child.send({ ...command, id });
    });
  let started: EngineMemory & { shape?: string };
  try {
    started = await new Promise((resolve, reject) => {
      ready = resolve;
      failed = reject;
      setTimeout(() => reject(new Error(`the ${spec.repo} engine process was not ready after ${timeoutMs} ms: ${stderr}`)), timeoutMs).unref();
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const { shape, ...memory } = started;
  return {
    memory,
    ...(shape !== undefined && { shape }),
    sweep: (target, batches, seconds) => request<SweepPoint[]>({ op: 'sweep', target, batches, seconds }, (batches.length * (seconds + 30) + 60) * 1000),
    concurrency: (target, clients, window) => request<ConcurrencyResult>({ op: 'concurrency', target, clients, window }, (window.warmupSeconds + window.seconds + 120) * 1000),
    stop,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  serveCommands(JSON.parse(process.argv[2] ?? '{}') as EngineSpec).catch((error: unknown) => {
    process.send?.({ failed: (error as Error).stack ?? String(error) });
    process.exit(1);
  });
}
