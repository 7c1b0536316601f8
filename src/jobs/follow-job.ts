// Follows a job: its log lines from a seq on, and its record whenever it changes, until it has
// finished and every line was sent. Reads the database (so it follows a job run by another
// replica too) and wakes at once on this process's job events, else every second.
import type { JobQueue } from './job-queue.js';
import { findJobRow, FINISHED_STATES, readJobLog } from './job-store.js';
import type { JobService } from './job-service.js';
import { jobLogLine, type JobLogLine, type JobView } from './job-view.js';

export type FollowEvent = { type: 'log'; line: JobLogLine } | { type: 'job'; job: JobView } | { type: 'end'; job: JobView };

const IDLE_WAIT_MS = 1000;
const MIN_READ_INTERVAL_MS = 100;

export async function* followJob(service: JobService, queue: JobQueue, id: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<FollowEvent> {
  let wake: (() => void) | undefined;
  const unsubscribe = queue.subscribe((event) => {
    if ((event.kind === 'job' ? event.job.id : event.jobId) === id) wake?.();
  });
  const aborted = () => wake?.();
  signal.addEventListener('abort', aborted);
  let seq = afterSeq;
  let shown = '';
  try {
    while (!signal.aborted) {
      const waiting = new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, IDLE_WAIT_MS).unref();
      });
      const row = await findJobRow(service.hub.db, id);
      if (!row) return;
      const lines = await readJobLog(service.hub.db, id, seq, 500);
      for (const line of lines) {
        seq = line.seq;
        yield { type: 'log', line: jobLogLine(line) };
      }
      const job = service.view(row);
      const text = JSON.stringify(job);
      if (FINISHED_STATES.includes(row.state) && lines.length === 0 && seq >= row.log_lines) {
        yield { type: 'end', job };
        return;
      }
      if (text !== shown) {
        shown = text;
        yield { type: 'job', job };
      }
      if (lines.length < 500) {
        const started = Date.now();
        await waiting;
        // Progress events can come hundreds a second: read the database at most ten times a second.
        const rest = MIN_READ_INTERVAL_MS - (Date.now() - started);
        if (rest > 0 && !signal.aborted) await new Promise((resolve) => setTimeout(resolve, rest).unref());
      }
    }
  } finally {
    unsubscribe();
    signal.removeEventListener('abort', aborted);
  }
}
