// A short side-by-side of two Moda settings on the serving path: two built `moda serve` processes on
// copies of one home, each with its own environment (e.g. MODA_ONNX_SPINNING=1 vs 0), and the raw
// engine of the same model beside them, take turns — one client alone, then 64 closed-loop clients —
// in an order that rotates each round, so load from others on the shared machine hits every side
// alike. Per round the 1-client differences are taken within the round (paired); medians printed.
// `npm run build`, then: `node --import tsx bench/serving-env.ts --a=MODA_X=1 --b=MODA_X=0 [--model=rec|centernet] [--rounds=N] [--raw-spinning=0|1]`.
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogSnapshot } from '../test/helpers/catalog-snapshot.js';
import { runChecked } from './lib/child-process.js';
import { startModa, type ModaServer } from './lib/moda-server.js';
import { startEngine, type EngineProcess } from './lib/serving-engine.js';
import { photoVariants, renderLineImages } from './lib/serving-inputs.js';
import { runLoad, type LoadReport } from './lib/serving-load.js';
import { waitIdle } from './lib/serving-process.js';
import { median } from './lib/stats.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const argument = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const ROUNDS = Number(argument('rounds') ?? 5);
const MODEL = argument('model') ?? 'rec';
if (MODEL !== 'rec' && MODEL !== 'centernet') throw new Error('--model must be rec or centernet');
/** The raw engine's ONNX sessions: idle intra-op threads spin (`--raw-spinning=1`, ONNX Runtime's default) or sleep (0). */
const RAW_SPINNING = (argument('raw-spinning') ?? '1') !== '0';

/** `NAME=VALUE,NAME=VALUE` into an environment. */
function envOf(text: string | undefined, side: string): Record<string, string> {
  if (text === undefined) throw new Error(`--${side}=NAME=VALUE[,NAME=VALUE] is required`);
  return Object.fromEntries(
    text.split(',').map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new Error(`--${side}: "${pair}" is not NAME=VALUE`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}
const envs = { a: envOf(argument('a'), 'a'), b: envOf(argument('b'), 'b') };

const model =
  MODEL === 'rec'
    ? { catalogName: 'ocr-ppocrv4-rec-zh', kind: 'rec' as const, contentType: 'image/png', window1: { warmupSeconds: 0.5, seconds: 2 }, window64: { warmupSeconds: 2, seconds: 5 } }
    : { catalogName: 'detection-centernet-coco', kind: 'centernet' as const, contentType: 'image/jpeg', window1: { warmupSeconds: 1, seconds: 3 }, window64: { warmupSeconds: 3, seconds: 6 } };
const repo = `moda/${model.catalogName}`;

/** The server's child processes (its model processes), from /proc. */
function modelProcesses(server: number): number[] {
  try {
    return readFileSync(`/proc/${server}/task/${server}/children`, 'latin1').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const work = await mkdtemp(join(tmpdir(), 'moda-serving-env-'));
const servers: ModaServer[] = [];
let engine: EngineProcess | undefined;
let snapshotDir: string | undefined;
try {
  const inputs = model.kind === 'rec' ? (await renderLineImages(work)).map((line) => line.path) : (await photoVariants(work)).map((photo) => photo.path);
  const home = join(work, 'home');
  await runChecked(process.execPath, [join(repoRoot, 'dist/cli/main.js'), 'catalog', 'import', model.catalogName, '--json'], { cwd: repoRoot, env: { ...process.env, MODA_HOME: home }, timeoutMs: 300_000 });
  // Two servers never share one SQLite database: the second reads a copy of the home.
  await cp(home, `${home}-b`, { recursive: true });
  const sides = {
    a: await startModa({ repoRoot, home, env: { MODA_RATE_LIMIT_INFERENCE: '0', ...envs.a } }),
    b: await startModa({ repoRoot, home: `${home}-b`, env: { MODA_RATE_LIMIT_INFERENCE: '0', ...envs.b } }),
  };
  servers.push(sides.a, sides.b);
  snapshotDir = (await catalogSnapshot(model.catalogName)).dir;
  engine = await startEngine({ kind: model.kind, snapshotDir, repo, inputs, threads: 0, spinning: RAW_SPINNING }, repoRoot);
  const load = async (side: keyof typeof sides, clients: number): Promise<LoadReport> => {
    const report = await runLoad({ url: `${sides[side].url}/api/v1/models/${repo}/pipeline`, bodies: inputs, contentType: model.contentType, clients, ...(clients === 1 ? model.window1 : model.window64) }, repoRoot);
    // Moda runs the queue the load's clients left behind in its model processes: wait for them too.
    const server = sides[side].service.child.pid!;
    for (const pid of [server, ...modelProcesses(server)]) await waitIdle(pid);
    return report;
  };
  // Loads each side's model and warms it up, outside the measured rounds.
  for (const side of ['a', 'b'] as const) await load(side, 64);
  const bestBatch = model.kind === 'rec' ? 2 : 1;
  const single: Record<'raw' | 'pipeline' | 'a' | 'b', number[]> = { raw: [], pipeline: [], a: [], b: [] };
  const saturated: Record<'raw' | 'a' | 'b', number[]> = { raw: [], a: [], b: [] };
  const singleSides = ['raw', 'pipeline', 'a', 'b'] as const;
  process.stdout.write(`${repo}; a: ${JSON.stringify(envs.a)}, b: ${JSON.stringify(envs.b)}; raw engine spinning ${RAW_SPINNING}; load average ${loadavg().map((value) => value.toFixed(2)).join(' ')}\n`);
  for (let round = 0; round < ROUNDS; round++) {
    for (let index = 0; index < singleSides.length; index++) {
      const side = singleSides[(index + round) % singleSides.length]!;
      if (side === 'raw' || side === 'pipeline') single[side].push((await engine.concurrency(side === 'raw' ? 'engine' : 'pipeline', 1, model.window1)).p50Ms);
      else single[side].push((await load(side, 1)).p50Ms);
    }
    const order = round % 2 === 0 ? (['raw', 'a', 'b'] as const) : (['b', 'a', 'raw'] as const);
    for (const side of order) {
      if (side === 'raw') saturated.raw.push((await engine.sweep('engine', [bestBatch], model.window64.seconds))[0]?.itemsPerSecond ?? 0);
      else saturated[side].push((await load(side, 64)).throughput);
    }
    const last = (values: number[]) => values.at(-1)!.toFixed(1);
    process.stdout.write(
      `round ${round + 1}/${ROUNDS}: 1 client p50 ms raw ${last(single.raw)}, pipeline ${last(single.pipeline)}, a ${last(single.a)}, b ${last(single.b)}; 64 clients /s raw B=${bestBatch} ${last(saturated.raw)}, a ${last(saturated.a)}, b ${last(saturated.b)}\n`,
    );
  }
  const paired = (minuend: keyof typeof single, subtrahend: keyof typeof single) => median(single[minuend].map((value, index) => value - single[subtrahend][index]!)).toFixed(2);
  const rate = (side: keyof typeof saturated) => median(saturated[side]);
  process.stdout.write(
    [
      `medians of ${ROUNDS} rounds, load average now ${loadavg().map((value) => value.toFixed(2)).join(' ')}:`,
      `  1 client: a minus raw engine ${paired('a', 'raw')} ms, b minus raw engine ${paired('b', 'raw')} ms; a minus pipeline in-process ${paired('a', 'pipeline')} ms, b minus pipeline ${paired('b', 'pipeline')} ms; pipeline minus raw ${paired('pipeline', 'raw')} ms; b minus a ${paired('b', 'a')} ms`,
      `  64 clients: raw B=${bestBatch} ${rate('raw').toFixed(1)}/s, a ${rate('a').toFixed(1)}/s (${(rate('a') / rate('raw')).toFixed(3)}× raw), b ${rate('b').toFixed(1)}/s (${(rate('b') / rate('raw')).toFixed(3)}× raw), b/a ${(rate('b') / rate('a')).toFixed(3)}×`,
      '',
    ].join('\n'),
  );
} finally {
  await engine?.stop();
  await Promise.all(servers.map((server) => server.stop()));
  await rm(work, { recursive: true, force: true });
  if (snapshotDir) await rm(snapshotDir, { recursive: true, force: true });
}
