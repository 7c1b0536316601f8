// Benchmark: does the server stay responsive while a CPU-heavy job runs? p50/p99 of
// `GET /api/models/{id}` on one keep-alive connection with no job running, then while a job keeps a
// core busy in its job process (bench/fixtures/cpu-job-types.mjs, loaded through MODA_JOB_MODULES),
// in alternating rounds so both sides see the same machine.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { BenchContext, BenchResult, Benchmark } from './lib/bench-types.js';
import { keepAliveAgent, timedGet } from './lib/http-get.js';
import { startModa, type ModaServer } from './lib/moda-server.js';
import { quantile } from './lib/stats.js';

const ROUNDS = 3;
const REQUESTS_PER_ROUND = 500;
const JOB_MODULE = fileURLToPath(new URL('./fixtures/cpu-job-types.mjs', import.meta.url));

async function api(moda: ModaServer, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${moda.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${moda.token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function sample(moda: ModaServer, repo: string): Promise<number[]> {
  const agent = keepAliveAgent();
  const samples: number[] = [];
  try {
    for (let index = 0; index < REQUESTS_PER_ROUND + 20; index++) {
      const response = await timedGet(`${moda.url}/api/models/${repo}`, agent, { authorization: `Bearer ${moda.token}` });
      if (response.status !== 200) throw new Error(`repo info: ${response.status}`);
      if (index >= 20) samples.push(response.ms);
    }
  } finally {
    agent.destroy();
  }
  return samples;
}

async function waitForState(moda: ModaServer, id: string, states: string[]): Promise<string> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const job = await api(moda, `/api/v1/jobs/${id}`);
    if (states.includes(String(job.state))) return String(job.state);
    if (Date.now() > deadline) throw new Error(`job ${id} stayed ${String(job.state)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const jobsBenchmark: Benchmark = {
  id: 'jobs',
  async run(context: BenchContext): Promise<BenchResult> {
    const moda = await startModa({ repoRoot: context.repoRoot, home: join(context.workDir, 'moda-home'), nodeFlags: context.modaNodeFlags, env: { MODA_JOB_MODULES: JOB_MODULE, MODA_JOB_CONCURRENCY: '1', MODA_RATE_LIMITS: '0' } });
    try {
      await api(moda, '/api/repos/create', { name: 'jobs-bench', type: 'model' });
      const repo = 'admin/jobs-bench';
      const idle: number[] = [];
      const busy: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        context.log(`jobs: round ${round + 1} of ${ROUNDS}, idle`);
        idle.push(...(await sample(moda, repo)));
        const job = await api(moda, '/api/v1/jobs', { type: 'bench-spin', params: { seconds: 300 } });
        const id = String(job.id);
        await waitForState(moda, id, ['running']);
        // Let the job process get past its start-up and into its loop.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        context.log(`jobs: round ${round + 1} of ${ROUNDS}, with a CPU-heavy job running`);
        busy.push(...(await sample(moda, repo)));
        await api(moda, `/api/v1/jobs/${id}/cancel`, {});
        await waitForState(moda, id, ['cancelled', 'succeeded', 'failed']);
      }
      return {
        id: 'jobs',
        title: 'Jobs: server responsiveness while a CPU-heavy job runs',
        method: [
          `\`GET /api/models/{id}\` sampled ${REQUESTS_PER_ROUND} times per round, sequentially on one keep-alive connection (after 20 unmeasured), in ${ROUNDS} rounds alternating: no job running, then one \`bench-spin\` job (bench/fixtures/cpu-job-types.mjs) keeping a core busy in its job process, cancelled after the round.`,
          'The server is the built `moda serve` in a process of its own with MODA_JOB_CONCURRENCY=1; the client is this benchmark process.',
        ],
        rows: [
          { metric: 'repo info p50, no job', unit: 'ms', value: quantile(idle, 0.5), target: { kind: 'info' } },
          { metric: 'repo info p50, CPU-heavy job running', unit: 'ms', value: quantile(busy, 0.5), target: { kind: 'info' } },
          { metric: 'repo info p99 with the job running, vs idle (baseline)', unit: 'ms', value: quantile(busy, 0.99), baseline: quantile(idle, 0.99), target: { kind: 'ratio-at-most', max: 2 } },
        ],
        notes: [`Samples: ${idle.length} idle, ${busy.length} with the job running.`],
      };
    } finally {
      await moda.stop();
    }
  },
};
