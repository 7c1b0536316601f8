// Where one request's time goes in Moda's serving path, part by part: HTTP, hub lookups, input
// validation, media preparation (header read in the server), the batcher, the hop to the model's
// child process (message serialisation and transfer each way), and the pipeline inside the child
// (decode + pre/post-processing vs the engine run). One client, one request at a time, so each
// part is the latency it adds; then CPU per request in the server and in the model's processes
// under a closed-loop load from a separate process, which is what throughput on shared cores pays.
// Run alone: `node --import tsx bench/serving-breakdown.ts [--rounds=N] [--load-s=N]`.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { importCatalog } from '../src/catalog/import-catalog.js';
import { loadConfig } from '../src/config/config.js';
import { anonymous } from '../src/hub/actor.js';
import { parseFetchAllowlist } from '../src/pipelines/media/fetch-allowlist.js';
import { prepareMediaInputs } from '../src/pipelines/media/prepare-media-inputs.js';
import type { LoadedPipeline, RunContext } from '../src/pipelines/pipeline-implementation.js';
import { measureEngineTime } from '../src/runtime/engine-time.js';
import { planModel } from '../src/runtime/load-model.js';
import { Batcher } from '../src/serve/batcher.js';
import { loadInChild } from '../src/serve/load-in-child.js';
import { buildApp, createInferenceService } from '../src/server/build-app.js';
import { openHub } from '../src/server/start-server.js';
import { getTask } from '../src/tasks/catalog.js';
import { validateTaskInput } from '../src/tasks/validate-task-input.js';
import { cpuSeconds } from './lib/process-cpu.js';
import { photoVariants, renderLineImages } from './lib/serving-inputs.js';
import { runLoad } from './lib/serving-load.js';
import { median, quantile } from './lib/stats.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const argument = (name: string, fallback: number) => Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const ROUNDS = argument('rounds', 200);
const LOAD_SECONDS = argument('load-s', 6);
const cores = availableParallelism();
const runContext: RunContext = { maxImagePixels: 40_000_000, fetch: globalThis.fetch };

/** Times `work` `rounds` times after a few untimed calls; samples in ms. */
async function time(rounds: number, work: (index: number) => Promise<unknown>): Promise<number[]> {
  for (let index = 0; index < 5; index++) await work(index);
  const samples: number[] = [];
  for (let index = 0; index < rounds; index++) {
    const started = performance.now();
    await work(index);
    samples.push(performance.now() - started);
  }
  return samples;
}

const rows: [string, string][] = [];
function report(part: string, samples: number[]): number {
  const p50 = median(samples);
  rows.push([part, `p50 ${p50.toFixed(3)} ms, p90 ${quantile(samples, 0.9).toFixed(3)} ms`]);
  process.stdout.write(`${part.padEnd(78)} p50 ${p50.toFixed(3).padStart(8)} ms   p90 ${quantile(samples, 0.9).toFixed(3).padStart(8)} ms\n`);
  return p50;
}

/** A bare child with the same IPC channel as a model process that echoes each message: the transfer alone. */
function echoChild() {
  const child = spawn(process.execPath, ['-e', "process.on('message', (m) => process.send(m.reply ?? m))"], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  return {
    roundTrip: (message: unknown) =>
      new Promise<void>((resolve) => {
        child.once('message', () => resolve());
        child.send(message as object);
      }),
    stop: () => child.kill(),
  };
}

function postBody(agent: Agent, url: string, body: Buffer, contentType: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': body.length } }, (response) => {
      response.on('data', () => undefined);
      response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`status ${response.statusCode}`))));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const work = await mkdtemp(join(tmpdir(), 'moda-breakdown-'));
const lines = await renderLineImages(work);
const photos = await photoVariants(work);
const config = loadConfig({}, { home: join(work, 'home'), host: '127.0.0.1', port: 0, adminToken: 'hf_breakdown_admin', logLevel: 'silent', catalog: false, starterEvals: false, rateLimitInference: null });
const hub = await openHub(config);
const models = [
  { name: 'ocr-ppocrv4-rec-zh', repo: 'moda/ocr-ppocrv4-rec-zh', contentType: 'image/png', files: lines.map((line) => line.path), rounds: ROUNDS },
  { name: 'detection-centernet-coco', repo: 'moda/detection-centernet-coco', contentType: 'image/jpeg', files: photos.map((photo) => photo.path), rounds: Math.max(10, Math.round(ROUNDS / 10)) },
];
await importCatalog(hub, { only: models.map((model) => model.name) });
const inference = createInferenceService(hub);
const app = await buildApp({ hub, inference, secret: 'breakdown' });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

try {
  for (const model of models) {
    process.stdout.write(`\n== ${model.repo} (${cores} cores) ==\n`);
    const bodies = await Promise.all(model.files.map((file) => readFile(file)));
    const body = (index: number) => bodies[index % bodies.length]!;
    const url = `${base}/api/v1/models/${model.repo}/pipeline`;
    const http = report('HTTP round trip to Moda (one client, keep-alive, in this process)', await time(model.rounds, (index) => postBody(agent, url, body(index), model.contentType)));
    const infer = report('inference.infer() without HTTP', await time(model.rounds, (index) => inference.infer(anonymous, { repoId: model.repo, inputs: [new Uint8Array(body(index))], parameters: {} })));
    const served = await inference.load(anonymous, model.repo);
    report('  lookups: repo read rights, revision, snapshot, model (inference.load)', await time(model.rounds, () => inference.load(anonymous, model.repo)));
    const task = getTask(served.task);
    report('  validateTaskInput', await time(model.rounds, (index) => Promise.resolve(validateTaskInput(served.task, [new Uint8Array(body(index))], {}))));
    const mediaOptions = { fetchInputs: false, fetch: { allowlist: parseFetchAllowlist(''), connectTimeoutMs: 1000, maxBytes: 1 }, fetchTimeoutMs: 1000, fetchTotalBytes: 1, maxImagePixels: config.maxImagePixels };
    report('  prepareMediaInputs (image header read in the server)', await time(model.rounds, (index) => prepareMediaInputs(task, [new Uint8Array(body(index))], mediaOptions)));
    const queued = report('  models.run: batcher + replica set + child', await time(model.rounds, (index) => inference.models.run(served, [new Uint8Array(body(index))], {})));
    const direct = report('    ReplicaSet.run, batcher bypassed (alone: solo instance where there is one)', await time(model.rounds, (index) => served.model.run([new Uint8Array(body(index))], {}, runContext, { alone: true })));
    const noop = new Batcher(async (inputs) => inputs.map(() => ({})), { maxBatchSize: 8, maxQueueDelayMs: 0, maxQueue: 256 });
    report('    Batcher alone, a run that does nothing', await time(model.rounds, () => noop.submit([1], {})));

    // The same pipeline in this process and in a child of its own, with the solo instance's threads.
    const snapshot = served.snapshot;
    const plan = await planModel(snapshot, served.task);
    const setup = { snapshot, implementationType: plan.implementation.type, task: plan.task, device: 'cpu' as const, threads: cores };
    const local: LoadedPipeline = await plan.implementation.load(snapshot, setup);
    const child = await loadInChild(setup);
    const inputs = bodies.map((bytes) => new Uint8Array(bytes));
    const engineSamples: number[] = [];
    const prePostSamples: number[] = [];
    const localSamples = await time(model.rounds, async (index) => {
      const measured = await measureEngineTime(() => local.run([inputs[index % inputs.length]!], {}, runContext));
      engineSamples.push(measured.engineMs);
      prePostSamples.push(measured.totalMs - measured.engineMs);
    });
    const childSamples = await time(model.rounds, (index) => child.run([inputs[index % inputs.length]!], {}, runContext));
    const inProcess = report('pipeline.run in this process (decode, pre/post, engine)', localSamples);
    report('  of it, the engine run (session.run / graph execute)', engineSamples.slice(-model.rounds));
    report('  of it, decode + pre/post-processing', prePostSamples.slice(-model.rounds));
    const inChild = report('pipeline.run in a child process (loadInChild, same threads)', childSamples);
    const outputs = await local.run([inputs[0]!], {}, runContext);
    const runMessage = { kind: 'run', id: 1, inputs: [inputs[0]!], parameters: {}, maxImagePixels: runContext.maxImagePixels };
    const resultMessage = { kind: 'result', id: 1, outputs };
    process.stdout.write(`  messages: run ${serialize(runMessage).length} bytes serialised, result ${serialize(resultMessage).length} bytes\n`);
    report('  v8 serialize + deserialize of the run message', await time(model.rounds, () => Promise.resolve(deserialize(serialize(runMessage)))));
    report('  v8 serialize + deserialize of the result message', await time(model.rounds, () => Promise.resolve(deserialize(serialize(resultMessage)))));
    const echo = echoChild();
    const transfer = report('  IPC round trip to a bare echo child: run message there, result message back', await time(model.rounds, () => echo.roundTrip({ ...runMessage, reply: resultMessage })));
    echo.stop();
    await child.dispose();
    await local.dispose();
    process.stdout.write(
      `summary ${model.repo}: HTTP+route ${(http - infer).toFixed(2)} ms, lookups+validation+media ${(infer - queued).toFixed(2)} ms, batcher ${(queued - direct).toFixed(2)} ms, child hop ${(inChild - inProcess).toFixed(2)} ms (bare IPC ${transfer.toFixed(2)} ms), pipeline ${inProcess.toFixed(2)} ms\n`,
    );

    // CPU per request under load: this process is the server (the load generator is another process).
    for (const clients of [1, 64]) {
      const pids = () => [...new Set(inference.models.list().flatMap((entry) => childPids(entry.model)))];
      const childBefore = await Promise.all(pids().map((pid) => cpuSeconds(pid)));
      const serverBefore = process.cpuUsage();
      const load = await runLoad({ url, bodies: model.files, contentType: model.contentType, clients, warmupSeconds: 0, seconds: LOAD_SECONDS }, repoRoot);
      const serverCpu = process.cpuUsage(serverBefore);
      const childAfter = await Promise.all(pids().map((pid) => cpuSeconds(pid)));
      const answered = Object.values(load.statuses).reduce((sum, count) => sum + count, 0);
      const childMs = (1000 * (childAfter.reduce((sum, value) => sum + value, 0) - childBefore.reduce((sum, value) => sum + value, 0))) / Math.max(1, answered);
      process.stdout.write(
        `  ${clients} client(s), ${LOAD_SECONDS} s: ${load.throughput.toFixed(1)} req/s, p50 ${load.p50Ms.toFixed(1)} ms; CPU per answer: server ${((serverCpu.user + serverCpu.system) / 1000 / Math.max(1, answered)).toFixed(2)} ms, model processes ${childMs.toFixed(2)} ms (${JSON.stringify(load.statuses)})\n`,
      );
    }
  }
} finally {
  await app.close();
  await inference.models.close();
  await hub.db.destroy();
  await rm(work, { recursive: true, force: true });
}

/** The pids of a replica set's child processes (its instances are private: read through the object). */
function childPids(model: object): number[] {
  const record = model as { instances?: { model: { pid?: number } }[]; solo?: { model: { pid?: number } } };
  return [...(record.instances ?? []), ...(record.solo ? [record.solo] : [])].flatMap((instance) => (instance.model.pid ? [instance.model.pid] : []));
}
