// Prometheus metrics of jobs: jobs by type and state and the due queue (read from the database at
// scrape time, so every replica reports the same totals), and this process's run times.
import type { Registry } from 'prom-client';
import { Counter, Gauge, Histogram } from 'prom-client';
import { countJobs, FINISHED_STATES } from './job-store.js';
import type { JobService } from './job-service.js';

// A job spans a cached catalog import (under a second) to a training run (hours).
const RUN_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600];

export function registerJobMetrics(registry: Registry, jobs: JobService): void {
  const registers = [registry];
  const db = jobs.hub.db;
  new Gauge({
    name: 'moda_jobs',
    help: 'Jobs in the database by type and state',
    labelNames: ['type', 'state'],
    registers,
    async collect() {
      this.reset();
      for (const { type, state, count } of await countJobs(db)) this.set({ type, state }, count);
    },
  });
  new Gauge({
    name: 'moda_job_queue_depth',
    help: 'Queued jobs that are due to run now (retries waiting out their backoff not counted), by type',
    labelNames: ['type'],
    registers,
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('jobs')
        .select('type')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('state', '=', 'queued')
        .where('run_after', '<=', new Date().toISOString())
        .groupBy('type')
        .execute();
      for (const row of rows) this.set({ type: row.type }, Number(row.count));
    },
  });
  const runSeconds = new Histogram({ name: 'moda_job_run_seconds', help: 'Time from a job attempt starting to it ending, by type and final state, for jobs run by this process', labelNames: ['type', 'state'], buckets: RUN_BUCKETS, registers });
  const finished = new Counter({ name: 'moda_jobs_finished_total', help: 'Jobs that ended in this process, by type and state', labelNames: ['type', 'state'], registers });
  jobs.queue.subscribe((event) => {
    if (event.kind !== 'job' || !FINISHED_STATES.includes(event.job.state) || !event.job.finished_at) return;
    finished.inc({ type: event.job.type, state: event.job.state });
    if (event.job.started_at) runSeconds.observe({ type: event.job.type, state: event.job.state }, Math.max(0, (Date.parse(event.job.finished_at) - Date.parse(event.job.started_at)) / 1000));
  });
}
