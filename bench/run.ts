// Runs Moda's benchmarks side by side with their baselines on this machine and rewrites
// bench/RESULTS.md. `npm run bench` runs all; `npm run bench -- download search` runs a subset and
// rewrites only their sections. Flags: --no-build (use dist/ as is), --size-mib=N (smaller transfer
// file, for trying changes), --profile=DIR (Moda servers write V8 CPU profiles there; summarise with
// bench/profile-summary.ts), --sustain-s=N (length of the serving benchmark's sustained load),
// --dataset-mib=N (size of the datasets benchmark's CSV; 1024 by default), --llm-threads=N (llama.cpp
// threads of the llm benchmark, both sides; every core by default), --serving-rounds=N and
// --serving-turns=N (the serving benchmark's saturation rounds and 1-client turns; 3 and 7).
import { rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext, BenchResult, Benchmark, BigFile } from './lib/bench-types.js';
import { createBigFile } from './lib/big-file.js';
import { killAllChildren, runChecked } from './lib/child-process.js';
import { describeMachine, loadAverage } from './lib/machine.js';
import { mergeResults, renderFailure, renderSection, tableOf } from './lib/render-results.js';
import { childStart } from './child-start.js';
import { datasetsBenchmark } from './datasets.js';
import { clusterS3 } from './cluster-s3.js';
import { jobsBenchmark } from './jobs.js';
import { clusterBenchmark } from './cluster.js';
import { downloadVsNginx } from './download-vs-nginx.js';
import { ocrVsGutenye } from './ocr.js';
import { pipelineOverhead } from './pipeline-overhead.js';
import { repoInfoRps } from './repo-info-rps.js';
import { searchLatency } from './search-latency.js';
import { DEFAULT_SERVING_ROUNDS, DEFAULT_SERVING_TURNS, DEFAULT_SUSTAIN_SECONDS, servingBenchmark } from './serving.js';
import { uploadVsSha256sum } from './upload-vs-sha256sum.js';
import { webUi } from './web-ui.js';
import { evalMetricsBenchmark } from './eval-metrics.js';
import { tuneBenchmark } from './tune.js';
import { llmBenchmark } from './llm.js';
import { evalBenchmark } from './eval.js';

// One benchmark a line, so branches that add one merge without conflicts.
function benchmarks(options: Pick<Options, 'sustainSeconds' | 'datasetMiB' | 'llmThreads' | 'servingRounds' | 'servingTurns'>): Benchmark[] {
  return [
    downloadVsNginx,
    uploadVsSha256sum,
    repoInfoRps,
    searchLatency,
    ocrVsGutenye,
    pipelineOverhead,
    servingBenchmark({ sustainSeconds: options.sustainSeconds, rounds: options.servingRounds, turns: options.servingTurns }),
    childStart,
    webUi,
    datasetsBenchmark({ sizeMiB: options.datasetMiB }),
    jobsBenchmark,
    clusterS3,
    clusterBenchmark,
    evalMetricsBenchmark,
    tuneBenchmark,
    llmBenchmark({ threads: options.llmThreads }),
    evalBenchmark,
  ];
}
/** The whole run is meant to take ~15 minutes; past this something hangs, so stop everything. */
const WATCHDOG_MS = 30 * 60_000;

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

interface Options {
  ids: string[];
  build: boolean;
  sizeMiB: number;
  sustainSeconds: number;
  /** Size of the datasets benchmark's CSV (the Parquet holds the same rows). */
  datasetMiB: number;
  /** llama.cpp threads on both sides of the llm benchmark; 0 = every core. */
  llmThreads: number;
  profileDir?: string;
  /** The serving benchmark's saturation rounds and 1-client turns (fewer for a short trial run). */
  servingRounds: number;
  servingTurns: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { ids: [], build: true, sizeMiB: 1024, sustainSeconds: DEFAULT_SUSTAIN_SECONDS, datasetMiB: 1024, llmThreads: 0, servingRounds: DEFAULT_SERVING_ROUNDS, servingTurns: DEFAULT_SERVING_TURNS };
  const known = new Set(benchmarks(options).map((benchmark) => benchmark.id));
  for (const arg of argv) {
    if (arg === '--no-build') options.build = false;
    else if (arg.startsWith('--size-mib=')) options.sizeMiB = Number(arg.slice('--size-mib='.length));
    else if (arg.startsWith('--profile=')) options.profileDir = resolve(arg.slice('--profile='.length));
    else if (arg.startsWith('--sustain-s=')) options.sustainSeconds = Number(arg.slice('--sustain-s='.length));
    else if (arg.startsWith('--dataset-mib=')) options.datasetMiB = Number(arg.slice('--dataset-mib='.length));
    else if (arg.startsWith('--llm-threads=')) options.llmThreads = Number(arg.slice('--llm-threads='.length));
    else if (arg.startsWith('--serving-rounds=')) options.servingRounds = Number(arg.slice('--serving-rounds='.length));
    else if (arg.startsWith('--serving-turns=')) options.servingTurns = Number(arg.slice('--serving-turns='.length));
    else if (known.has(arg)) options.ids.push(arg);
    else throw new Error(`unknown argument "${arg}"; benchmarks: ${[...known].join(', ')}; flags: --no-build, --size-mib=N, --profile=DIR, --sustain-s=N, --dataset-mib=N, --llm-threads=N, --serving-rounds=N, --serving-turns=N`);
  }
  if (!Number.isInteger(options.sizeMiB) || options.sizeMiB < 1 || options.sizeMiB > 4096) throw new Error('--size-mib must be an integer from 1 to 4096');
  if (!Number.isInteger(options.sustainSeconds) || options.sustainSeconds < 1 || options.sustainSeconds > 3600) throw new Error('--sustain-s must be an integer from 1 to 3600');
  if (!Number.isInteger(options.datasetMiB) || options.datasetMiB < 1 || options.datasetMiB > 4096) throw new Error('--dataset-mib must be an integer from 1 to 4096');
  if (!Number.isInteger(options.llmThreads) || options.llmThreads < 0 || options.llmThreads > 256) throw new Error('--llm-threads must be an integer from 0 (every core) to 256');
  if (!Number.isInteger(options.servingRounds) || options.servingRounds < 1 || options.servingRounds > 20) throw new Error('--serving-rounds must be an integer from 1 to 20');
  if (!Number.isInteger(options.servingTurns) || options.servingTurns < 1 || options.servingTurns > 50) throw new Error('--serving-turns must be an integer from 1 to 50');
  if (options.ids.length === 0) options.ids = [...known];
  return options;
}

/** Set while a scratch directory exists, so a signal handler can remove it. */
let scratchDir: string | undefined;

function log(message: string): void {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const { ids, build, sizeMiB, profileDir } = options;
  if (build) {
    log('building (npm run build)');
    await runChecked('npm', ['run', 'build'], { cwd: repoRoot, timeoutMs: 300_000 });
  }
  const workDir = await mkdtemp('/tmp/moda-bench-');
  scratchDir = workDir;
  if (profileDir) await mkdir(profileDir, { recursive: true });
  // nginx workers run as an unprivileged user; they must be able to reach the data directory.
  await chmod(workDir, 0o755);
  let bigFile: Promise<BigFile> | undefined;
  const context: BenchContext = {
    workDir,
    repoRoot,
    log,
    modaNodeFlags: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    bigFile() {
      bigFile ??= (async () => {
        const directory = join(workDir, 'data');
        await mkdir(directory, { mode: 0o755 });
        log(`creating a ${sizeMiB} MiB random file`);
        return createBigFile(join(directory, 'big.bin'), sizeMiB * 1024 * 1024);
      })();
      return bigFile;
    },
  };

  const machine = await describeMachine();
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const sections = new Map<string, string>();
  let failures = 0;
  try {
    for (const benchmark of benchmarks(options).filter((candidate) => ids.includes(candidate.id))) {
      log(`${benchmark.id}: start`);
      const started = performance.now();
      const date = new Date().toUTCString();
      const loadBefore = await loadAverage();
      try {
        const result: BenchResult = await benchmark.run(context);
        sections.set(benchmark.id, renderSection(machine, result, { command, date, loadBefore, loadAfter: await loadAverage() }));
        log(`${benchmark.id}: done in ${((performance.now() - started) / 1000).toFixed(0)} s\n${tableOf(result)}`);
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        failures++;
        sections.set(benchmark.id, renderFailure(machine, benchmark.id, message, { command, date, loadBefore, loadAfter: await loadAverage() }));
        log(`${benchmark.id}: FAILED\n${message}`);
      }
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
    scratchDir = undefined;
  }

  const resultsPath = join(repoRoot, 'bench/RESULTS.md');
  const previous = await readFile(resultsPath, 'utf8').catch(() => '');
  await writeFile(resultsPath, mergeResults(previous, sections, benchmarks(options).map((benchmark) => benchmark.id)));
  log('wrote bench/RESULTS.md');
  return failures > 0 ? 1 : 0;
}

const watchdog = setTimeout(() => {
  log(`still running after ${WATCHDOG_MS / 60_000} minutes; stopping`);
  killAllChildren();
  if (scratchDir) rmSync(scratchDir, { recursive: true, force: true });
  process.exit(2);
}, WATCHDOG_MS);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllChildren();
    if (scratchDir) rmSync(scratchDir, { recursive: true, force: true });
    process.exit(130);
  });
}

try {
  process.exitCode = await main();
} catch (error) {
  killAllChildren();
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
}
