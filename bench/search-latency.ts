// Benchmark 4: latency of `GET /api/models?…` over 100,000 repos, sequential requests on one
// keep-alive connection, for filter+sort and text-search query shapes, as an anonymous client (so
// the private-repo exclusion is part of every query). Also checks that private rows never leak.
import { join } from 'node:path';
import type { BenchContext, BenchResult, Benchmark, ResultRow } from './lib/bench-types.js';
import { keepAliveAgent, timedGet } from './lib/http-get.js';
import { startModa, type ModaServer } from './lib/moda-server.js';
import { quantile } from './lib/stats.js';
import { insertSearchFixtures, PRIVATE_MARKER } from './search-fixtures.js';

const REPOS = 100_000;
const REQUESTS = 1000;
const WARM_UP = 50;
/** Upper bound on one query shape: a slow shape is reported from the samples it got by then. */
const SHAPE_DEADLINE_MS = 45_000;
const P99_TARGET_MS = 20;

const SHAPES: { label: string; query: string }[] = [
  { label: 'common tag, by downloads', query: 'filter=text-generation&sort=downloads&direction=-1&limit=20' },
  { label: 'rarer tag, by likes', query: 'filter=onnx&sort=likes&direction=-1&limit=20' },
  { label: 'two tags + task, by last modified', query: 'filter=de&filter=license:mit&pipeline_tag=text-classification&sort=lastModified&direction=-1&limit=20' },
  { label: 'text search, by downloads', query: 'search=whisper&sort=downloads&direction=-1&limit=20' },
  { label: 'narrow text search + tag, by downloads', query: 'search=qwen-14b-chat&filter=gguf&sort=downloads&direction=-1&limit=20' },
];

interface RepoJson {
  id: string;
  private: boolean;
}

async function search(moda: ModaServer, query: string, token?: string): Promise<RepoJson[]> {
  const response = await fetch(`${moda.url}/api/models?${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`search ${query}: ${response.status} ${await response.text()}`);
  return (await response.json()) as RepoJson[];
}

/** Latency samples of one query shape; also fails on any private repo in an anonymous answer. */
async function sample(moda: ModaServer, query: string): Promise<{ latencies: number[]; rows: number }> {
  const agent = keepAliveAgent();
  const url = `${moda.url}/api/models?${query}`;
  const latencies: number[] = [];
  let rows = 0;
  const deadline = Date.now() + SHAPE_DEADLINE_MS;
  try {
    for (let index = 0; index < WARM_UP + REQUESTS && Date.now() < deadline; index++) {
      const response = await timedGet(url, agent);
      if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${response.body.toString('utf8').slice(0, 300)}`);
      if (index < WARM_UP) continue;
      latencies.push(response.ms);
      const page = JSON.parse(response.body.toString('utf8')) as RepoJson[];
      if (page.some((repo) => repo.private)) throw new Error(`GET ${url} returned a private repo to an anonymous client`);
      rows = page.length;
    }
  } finally {
    agent.destroy();
  }
  if (latencies.length < 20) throw new Error(`GET ${url}: only ${latencies.length} requests within ${SHAPE_DEADLINE_MS} ms`);
  return { latencies, rows };
}

export const searchLatency: Benchmark = {
  id: 'search',
  async run(context: BenchContext): Promise<BenchResult> {
    const home = join(context.workDir, 'search-home');
    // A first start creates the schema and the admin user; rows are then inserted with it stopped.
    const first = await startModa({ repoRoot: context.repoRoot, home });
    await first.stop();
    const generatedAt = performance.now();
    const generated = insertSearchFixtures(join(home, 'moda.sqlite'), REPOS);
    const generateMs = performance.now() - generatedAt;
    context.log(`search: generated ${generated.repos} repos (${generated.privateRepos} private, ${generated.tagRows} tag rows) in ${(generateMs / 1000).toFixed(1)} s`);

    const moda = await startModa({ repoRoot: context.repoRoot, home, nodeFlags: context.modaNodeFlags });
    try {
      const leaked = await search(moda, `search=${PRIVATE_MARKER}&limit=100`);
      const visibleToAdmin = await search(moda, `search=${PRIVATE_MARKER}&limit=100`, moda.token);
      if (leaked.length > 0) throw new Error(`anonymous search for "${PRIVATE_MARKER}" returned ${leaked.length} private repos`);
      if (visibleToAdmin.length === 0) throw new Error('the admin sees no private repos: the fixture is broken');

      const rows: ResultRow[] = [];
      const notes: string[] = [];
      for (const shape of SHAPES) {
        context.log(`search: ${shape.label}`);
        const { latencies, rows: returned } = await sample(moda, shape.query);
        rows.push({ metric: `${shape.label}: p99`, unit: 'ms', value: quantile(latencies, 0.99), target: { kind: 'below', max: P99_TARGET_MS } });
        const cut = latencies.length < REQUESTS ? ` (only ${latencies.length} requests fitted in ${SHAPE_DEADLINE_MS / 1000} s)` : '';
        notes.push(`\`${shape.query}\`: p50 ${quantile(latencies, 0.5).toFixed(2)} ms, p99 ${quantile(latencies, 0.99).toFixed(2)} ms, max ${Math.max(...latencies).toFixed(2)} ms, ${returned} rows per page${cut}.`);
      }
      rows.push({ metric: `server start-up over ${REPOS} repos`, unit: 'ms', value: moda.startMs, target: { kind: 'info' } });
      return {
        id: 'search',
        title: `4. Search latency over ${REPOS.toLocaleString('en')} repos`,
        method: [
          `${generated.repos} model repos (${generated.privateRepos} private, ${generated.tagRows} tag rows) are inserted into MODA_HOME/moda.sqlite with better-sqlite3 in one transaction (${(generateMs / 1000).toFixed(1)} s) while the server is stopped: 16 families with skewed popularity, log-normal downloads, licenses, languages, gguf/onnx/safetensors tags. No ANALYZE is run, as a real Moda database would not have one.`,
          `For each query shape, ${WARM_UP} unmeasured then ${REQUESTS} measured sequential anonymous requests on one keep-alive connection (node:http); latency is client-side, request start to last byte.`,
          `Every answer is checked for private repos; an anonymous search for "${PRIVATE_MARKER}" (only private repos match) returned ${leaked.length} rows, the admin's returned ${visibleToAdmin.length}.`,
        ],
        rows,
        notes,
      };
    } finally {
      await moda.stop();
    }
  },
};
