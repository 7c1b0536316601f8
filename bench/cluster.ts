// Cluster mode on one 2-core machine, where scaling cannot show: what nginx and a second replica
// cost (repo-info requests/s through nginx to 2 replicas vs 1 replica asked directly), and how
// failover behaves under wrk load (a replica SIGKILLed and restarted; a replica drained by
// SIGTERM), counted as wrk's errors. The cluster is test/helpers/cluster.ts: PostgreSQL, Redis,
// `moda migrate`, two `moda serve` processes on a shared git root, and deploy/nginx/moda.conf.
import type { BenchContext, BenchResult, Benchmark } from './lib/bench-types.js';
import { median } from './lib/stats.js';
import { runWrk, type WrkOptions, type WrkReport } from './lib/wrk.js';
import { startCluster, type ModaCluster } from '../test/helpers/cluster.js';

const LOAD: WrkOptions = { threads: 2, connections: 32, seconds: 10 };
const WARM_UP: WrkOptions = { threads: 2, connections: 32, seconds: 2 };
const ROUNDS = 3;
const FAILOVER: WrkOptions = { threads: 2, connections: 16, seconds: 8 };

async function seed(cluster: ModaCluster): Promise<string> {
  const created = await cluster.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'cluster-bench', organization: 'admin' }) });
  if (!created.ok) throw new Error(`create repo: ${created.status} ${await created.text()}`);
  const files: Record<string, string> = {
    'README.md': '---\nlicense: apache-2.0\npipeline_tag: text-classification\nlibrary_name: transformers\ntags: [bert]\n---\n# cluster-bench\n',
    'config.json': JSON.stringify({ architectures: ['BertForSequenceClassification'], model_type: 'bert' }),
    'tokenizer.json': JSON.stringify({ version: '1.0' }),
    'tokenizer_config.json': JSON.stringify({ do_lower_case: true }),
    'vocab.txt': 'the\na\n',
  };
  const lines = [{ key: 'header', value: { summary: 'seed' } }, ...Object.entries(files).map(([path, content]) => ({ key: 'file', value: { path, content, encoding: 'utf-8' } }))];
  const committed = await cluster.request('/api/models/admin/cluster-bench/commit/main', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines.map((line) => JSON.stringify(line)).join('\n') });
  if (!committed.ok) throw new Error(`commit: ${committed.status} ${await committed.text()}`);
  return '/api/models/admin/cluster-bench';
}

/** wrk through nginx while `during` runs `afterMs` into the load. */
async function loadWith(url: string, afterMs: number, during: () => Promise<void>): Promise<WrkReport> {
  const load = runWrk(url, FAILOVER);
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  await during();
  return load;
}

export const clusterBenchmark: Benchmark = {
  id: 'cluster',
  async run(context: BenchContext): Promise<BenchResult> {
    context.log('cluster: starting PostgreSQL, Redis, 2 replicas and nginx');
    const cluster = await startCluster();
    try {
      const path = await seed(cluster);
      const [first, second] = cluster.replicas;
      if (!first || !second) throw new Error('two replicas expected');
      const sides = [
        { label: 'nginx → 2 replicas', url: `${cluster.url}${path}`, reports: [] as WrkReport[] },
        { label: '1 replica direct', url: `${first.url}${path}`, reports: [] as WrkReport[] },
      ];
      const [nginx, direct] = sides as [(typeof sides)[0], (typeof sides)[0]];
      await runWrk(nginx.url, WARM_UP);
      await runWrk(direct.url, WARM_UP);
      for (let round = 0; round < ROUNDS; round++) {
        for (const side of sides) {
          const report = await runWrk(side.url, LOAD);
          if (report.errors > 0) throw new Error(`${side.label}: wrk saw ${report.errors} errors`);
          side.reports.push(report);
        }
        context.log(`cluster: round ${round + 1}/${ROUNDS}: ${sides.map((side) => `${side.label} ${side.reports.at(-1)?.requestsPerSecond.toFixed(0)} req/s`).join(', ')}`);
      }
      const rps = (side: typeof nginx) => median(side.reports.map((report) => report.requestsPerSecond));
      const p99 = (side: typeof nginx) => median(side.reports.map((report) => report.p99Ms));

      context.log('cluster: SIGKILL of a replica under load');
      const killed = await loadWith(nginx.url, 2000, async () => {
        await first.stop('SIGKILL');
        await new Promise((resolve) => setTimeout(resolve, 1500));
        await first.restart();
      });
      context.log('cluster: SIGTERM drain of a replica under load');
      let drainExit: number | null = null;
      const drained = await loadWith(nginx.url, 2000, async () => {
        drainExit = await second.stop('SIGTERM');
        await second.restart();
      });
      return {
        id: 'cluster',
        title: 'Cluster mode: nginx in front of 2 replicas, and failover',
        method: [
          'test/helpers/cluster.ts: PostgreSQL, Redis, `moda migrate`, two `moda serve` processes (MODA_GIT_ROOT shared) and nginx with deploy/nginx/moda.conf (keep-alive upstreams), all on this machine.',
          `Throughput: wrk -t${LOAD.threads} -c${LOAD.connections} -d${LOAD.seconds}s on \`GET ${path}\` (5 files), ${ROUNDS} rounds alternating nginx → 2 replicas and replica 1 directly, after ${WARM_UP.seconds} s warm-ups; median per side. On 2 cores nginx, both replicas and wrk share the CPUs, so this measures overhead, not scaling.`,
          `Failover: wrk -t${FAILOVER.threads} -c${FAILOVER.connections} -d${FAILOVER.seconds}s through nginx; 2 s in, replica 1 is SIGKILLed and restarted after 1.5 s (kill), or replica 2 gets SIGTERM and drains (MODA_SHUTDOWN_DELAY=1s) and is restarted. Errors are wrk's non-2xx answers plus socket errors. POSTs under failover are counted in test/cluster-nginx.test.ts.`,
        ],
        rows: [
          { metric: `GET ${path} through nginx to 2 replicas`, unit: 'req/s', value: rps(nginx), baseline: rps(direct), target: { kind: 'ratio-at-least', min: 0.8 } },
          { metric: 'same, p99 latency', unit: 'ms', value: p99(nginx), baseline: p99(direct), target: { kind: 'info' } },
          { metric: 'SIGKILL + restart of a replica: failed GETs', unit: 'errors', value: killed.errors, target: { kind: 'below', max: 1 } },
          { metric: 'same, GETs answered', unit: 'requests', value: killed.requests, target: { kind: 'info' } },
          { metric: 'SIGTERM drain of a replica: failed GETs', unit: 'errors', value: drained.errors, target: { kind: 'below', max: 1 } },
          { metric: 'same, GETs answered', unit: 'requests', value: drained.requests, target: { kind: 'info' } },
        ],
        notes: [
          `Rounds (req/s): ${sides.map((side) => `${side.label} ${side.reports.map((report) => report.requestsPerSecond.toFixed(0)).join(', ')}`).join('; ')}.`,
          `The drained replica exited with code ${String(drainExit)}.`,
        ],
      };
    } finally {
      await cluster.stop();
    }
  },
};
