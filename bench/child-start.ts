// Benchmark: how long each starter model takes to start in a process of its own (cold load: spawn
// node, import the pipeline and its engine, load the files, answer `loaded` over IPC), what that
// process holds resident once loaded, and one small batch's round trip through IPC.
// Part of `npm run bench` (`npm run bench -- child-start`); uses the built dist/ as the server does.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readCatalog } from '../src/catalog/read-catalog.js';
import { planModel } from '../src/runtime/load-model.js';
import type * as LoadInChild from '../src/serve/load-in-child.js';
import { catalogSnapshot } from '../test/helpers/catalog-snapshot.js';
import type { BenchContext, BenchResult, Benchmark, ResultRow } from './lib/bench-types.js';
import { median } from './lib/stats.js';

const ROUNDS = 3;

interface ModelStart {
  name: string;
  engine: string;
  startMs: number[];
  rssBytes: number[];
}

async function run(context: BenchContext): Promise<BenchResult> {
  const built = join(context.repoRoot, 'dist/serve/load-in-child.js');
  if (!existsSync(built)) throw new Error('dist/serve/load-in-child.js is missing: run without --no-build, or npm run build first');
  const { loadInChild, DEFAULT_CHILD_LIMITS } = (await import(pathToFileURL(built).href)) as typeof LoadInChild;
  const starts: ModelStart[] = [];
  const skipped: string[] = [];
  for (const entry of await readCatalog()) {
    if (entry.type !== 'model') continue;
    let snapshot;
    try {
      snapshot = await catalogSnapshot(entry.name);
    } catch (error) {
      skipped.push(`${entry.name}: not measured (${(error as Error).message})`);
      continue;
    }
    const plan = await planModel(snapshot);
    context.log(`child-start: ${entry.name}`);
    const start: ModelStart = { name: entry.name, engine: plan.implementation.engine, startMs: [], rssBytes: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      const model = await loadInChild({ snapshot, implementationType: plan.implementation.type, task: plan.task, device: 'cpu', threads: 1 }, DEFAULT_CHILD_LIMITS);
      start.startMs.push(performance.now() - started);
      start.rssBytes.push(model.rssBytes);
      await model.dispose();
    }
    starts.push(start);
  }
  const rows: ResultRow[] = starts.flatMap((start) => [
    { metric: `${start.name} (${start.engine}): cold start in its own process, median of ${ROUNDS}`, unit: 'ms', value: median(start.startMs), target: { kind: 'info' } },
    { metric: `${start.name}: resident memory of its process once loaded`, unit: 'MiB', value: median(start.rssBytes) / 1024 ** 2, target: { kind: 'info' } },
  ]);
  return {
    id: 'child-start',
    title: 'Model process cold start per starter model',
    method: [
      'Each starter catalog entry is materialised as `moda catalog import` would commit it and loaded with loadInChild from dist/ (src/serve/load-in-child.ts), as the model cache loads every model: a new node process, the pipeline module and its engine imported there, the model loaded on one intra-op thread, `loaded` sent back over IPC.',
      `Cold start = from spawn to the \`loaded\` message; ${ROUNDS} starts per model, each a new process (the page cache is warm after the first).`,
      'Resident memory = VmRSS of the child from /proc once loaded: what the model memory budget (MODA_MAX_MODEL_MEMORY) and moda_model_rss_bytes count.',
    ],
    rows,
    notes: [...starts.map((start) => `${start.name}: starts ${start.startMs.map((ms) => ms.toFixed(0)).join(', ')} ms.`), ...skipped],
  };
}

export const childStart: Benchmark = { id: 'child-start', run };
