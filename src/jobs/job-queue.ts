// The JobQueue interface: how jobs get run. The records live in the database (job-store.ts) whatever
// the queue; a queue decides which process runs a queued job and carries cancels and events. The
// embedded queue (embedded-job-queue.ts) runs jobs in child processes of this server; a cluster
// queue (BullMQ on Redis) implements the same five calls, and job types (job-type.ts) never see the
// difference: they only get a JobContext.
import type { JobState } from '../db/schema.js';
import type { JobLogRow, JobRow, NewJob, QueuedCap } from './job-store.js';

export type JobEvent =
  /** The job's record changed (state, progress, attempts); `job` is the record after the change. */
  | { kind: 'job'; job: JobRow }
  | { kind: 'log'; jobId: string; lines: JobLogRow[] };

export interface JobQueue {
  /** Stores a new job (queued) and makes it eligible to run. */
  enqueue(job: NewJob): Promise<JobRow>;
  /**
   * Stops a job: a queued one is cancelled at once, a running one is aborted and (its process
   * killed if need be) ends as `cancelled` within a second. Resolves with the record as it stands
   * (a running job may still show `running` with `cancel_requested`).
   */
  cancel(id: string): Promise<JobRow>;
  /**
   * Puts a failed or cancelled job back in the queue; `from` is the state it was seen in. With
   * `queuedCap`, refused with JOB_QUEUE_FULL (and nothing changed) when its owner would then have
   * more queued jobs than the cap, checked as atomically as a new job's.
   */
  retry(id: string, from: JobState, queuedCap?: Omit<QueuedCap, 'postgres'>): Promise<JobRow>;
  /**
   * Starts running jobs: claims due queued jobs up to the concurrency and runs each with
   * `serverUrl` as the HTTP API it acts through. Also recovers jobs whose process died.
   */
  start(options: { serverUrl: string }): Promise<void>;
  /** Stops claiming; running jobs are stopped and go back to the queue for the next start. */
  close(): Promise<void>;
  /** Job changes and log lines seen by this process; returns the unsubscribe function. */
  subscribe(listener: (event: JobEvent) => void): () => void;
}
