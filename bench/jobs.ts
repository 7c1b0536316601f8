// Benchmark: does the server stay responsive while a CPU-heavy job runs? p50/p99 of
// `GET /api/models/{id}` on one keep-alive connection with no job running, then while a job keeps a
// core busy in its job process (bench/fixtures/cpu-job-types.mjs, loaded through MODA_JOB_MODULES),
// in alternating rounds so both sides see the same machine.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { BenchContext, BenchResult, Benchmark } from './lib/bench-types.js';
import { api, jobEnded, sampleRepoInfo, waitForJob } from './lib/moda-jobs.js';
import { startModa } from './lib/moda-server.js';
import { quantile } from './lib/stats.js';

const ROUNDS = 3;
const REQUESTS_PER_ROUND = 500;
const STATE_WAIT = { timeoutMs: 120_000, pollMs: 100 };
const JOB_MODULE = fileURLToPath(new URL('./fixtures/cpu-job-types.mjs', import.meta.url));

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
        idle.push(...(await sampleRepoInfo(moda, repo, REQUESTS_PER_ROUND)));
        const job = await api(moda, '/api/v1/jobs', { type: 'bench-spin', params: { seconds: 300 } });
        const id = String(job.id);
        await waitForJob(moda, id, (current) => current.state === 'running', STATE_WAIT);
        // Let the job process get past its start-up and into its loop.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        context.log(`jobs: round ${round + 1} of ${ROUNDS}, with a CPU-heavy job running`);
        busy.push(...(await sampleRepoInfo(moda, repo, REQUESTS_PER_ROUND)));
        await api(moda, `/api/v1/jobs/${id}/cancel`, {});
        await waitForJob(moda, id, jobEnded, STATE_WAIT);
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
