// The cluster JobQueue (MODA_REDIS_URL): job records stay in the database, BullMQ on Redis decides
// which worker process runs a queued job. Each BullMQ job's id is the Moda job id, so adding a job
// twice (two replicas, a sweep after a Redis restart) yields one BullMQ job; the handler claims the
// database row with a conditional update, so a job whose record is no longer queued is never run
// again. A worker SIGKILLed mid-job loses its BullMQ lock: BullMQ hands the job to another worker
// (`stalled`), which counts the lost attempt and runs it again. Redis holds only the dispatch state:
// every worker re-adds the due queued rows each second, so a Redis restart (or a job added while
// Redis was away) loses nothing, and re-queues running jobs that Redis lost and whose worker's lease
// (cluster_members) ran out (find-lost-jobs.ts), so those are not lost either. Job changes, log lines and cancels go to every process through
// Redis pub/sub, so SSE log follow and cancel work through any replica. Jobs run exactly as in the
// embedded queue (embedded-job-queue.ts: one child process per job), which this class extends.
import { randomUUID } from 'node:crypto';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { JobState } from '../db/schema.js';
import type { HubContext } from '../hub/context.js';
import { defaultJobConcurrency, EmbeddedJobQueue } from './embedded-job-queue.js';
import type { JobEvent } from './job-queue.js';
import { forgetDeadMembers, MemberLease } from '../cluster/member-lease.js';
import { findLostJobs } from './find-lost-jobs.js';
import { claimJob, fenceOf, findJobRow, finishJob, requeueJob, type JobRow, type NewJob, type QueuedCap } from './job-store.js';
import { revokeJobToken } from './job-token.js';
import type { JobTypeRegistry } from './job-type.js';

const QUEUE_NAME = 'moda-jobs';
const EVENTS_CHANNEL = 'moda:jobs:events';
/** A worker's lock on a job; it is renewed every half of this, and a worker silent longer than this is taken for dead. */
const LOCK_MS = 10_000;
/** How often BullMQ looks for jobs whose worker lost its lock. */
const STALLED_CHECK_MS = 5_000;
/** How often a worker re-adds the database's due queued jobs to BullMQ (after a Redis restart, a retry's backoff). */
const SWEEP_MS = 1_000;

type Message = { origin: string; kind: 'event'; event: JobEvent } | { origin: string; kind: 'cancel'; jobId: string };

export interface BullmqJobQueueOptions {
  redisUrl: string;
  /** Whether this process runs jobs (`moda worker`, or `moda serve` with MODA_JOB_WORKER=1). */
  worker: boolean;
}

export class BullmqJobQueue extends EmbeddedJobQueue {
  private readonly origin = randomUUID();
  private readonly connection: ConnectionOptions;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private lease: MemberLease | undefined;
  private lastReconcile = 0;

  constructor(
    hub: HubContext,
    registry: JobTypeRegistry,
    logError: (message: string, error: unknown) => void,
    private readonly options: BullmqJobQueueOptions,
  ) {
    super(hub, registry, logError);
    const url = new URL(options.redisUrl);
    // BullMQ's blocking commands need `maxRetriesPerRequest: null` (they wait across reconnects).
    this.connection = {
      host: url.hostname,
      port: Number(url.port || 6379),
      ...(url.username && { username: decodeURIComponent(url.username) }),
      ...(url.password && { password: decodeURIComponent(url.password) }),
      db: Number(url.pathname.slice(1) || 0),
      ...(url.protocol === 'rediss:' && { tls: {} }),
      maxRetriesPerRequest: null,
    };
    this.queue = new Queue(QUEUE_NAME, { connection: this.connection });
    this.queue.on('error', (error) => logError('redis (job queue) error', error));
    // Publishes fail at once while Redis is away (the event is still delivered in this process).
    this.publisher = new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.subscriber = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.publisher.on('error', (error) => logError('redis (job events, publish) connection error', error));
    this.subscriber.on('error', (error) => logError('redis (job events, subscribe) connection error', error));
    this.subscriber.on('message', (_channel: string, text: string) => this.receiveMessage(text));
  }

  override async enqueue(job: NewJob): Promise<JobRow> {
    const row = await super.enqueue(job);
    this.dispatch(row);
    return row;
  }

  override async cancel(id: string): Promise<JobRow> {
    const row = await super.cancel(id);
    // The worker running it also sees `cancel_requested` in the database within half a second; the message makes it at once.
    if (row.state === 'running') this.publish({ origin: this.origin, kind: 'cancel', jobId: id });
    return row;
  }

  override async retry(id: string, from: JobState, queuedCap?: Omit<QueuedCap, 'postgres'>): Promise<JobRow> {
    const row = await super.retry(id, from, queuedCap);
    this.dispatch(row);
    return row;
  }

  override async start(options: { serverUrl: string }): Promise<void> {
    await this.subscriber.subscribe(EVENTS_CHANNEL);
    if (!this.options.worker) return;
    // Before any job is claimed: a job's runner always has a lease while it runs it.
    this.lease = new MemberLease(this.hub.db, this.runnerId, 'worker', this.hub.config.clusterLeaseMs, this.logError);
    await this.lease.start();
    await super.start(options);
    this.worker = new Worker(QUEUE_NAME, (job: Job) => this.process(job), {
      connection: this.connection,
      concurrency: defaultJobConcurrency(this.hub.config.jobConcurrency),
      lockDuration: LOCK_MS,
      stalledInterval: STALLED_CHECK_MS,
      // Attempts are counted in the database (the job type's retry policy), not by BullMQ.
      maxStalledCount: Number.MAX_SAFE_INTEGER,
    });
    this.worker.on('error', (error) => this.logError('redis (job worker) error', error));
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweepTimer.unref();
    void this.sweep();
  }

  override async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    // Running jobs are stopped and re-queued in the database; their handlers then return, which lets the worker close.
    await Promise.all([super.close(), this.worker?.close()]);
    await this.lease?.close();
    await this.queue.close().catch(() => undefined);
    for (const connection of [this.publisher, this.subscriber]) await connection.quit().catch(() => connection.disconnect());
  }

  /** Jobs are handed out by BullMQ, never claimed from the database by polling. */
  protected override async claimJobs(): Promise<void> {}

  protected override emit(event: JobEvent): void {
    super.emit(event);
    this.publish({ origin: this.origin, kind: 'event', event });
  }

  private publish(message: Message): void {
    if (this.publisher.status !== 'ready') return;
    this.publisher.publish(EVENTS_CHANNEL, JSON.stringify(message)).catch((error: unknown) => this.logError('could not publish a job event', error));
  }

  private receiveMessage(text: string): void {
    let message: Message;
    try {
      message = JSON.parse(text) as Message;
    } catch {
      return;
    }
    if (message.origin === this.origin) return;
    if (message.kind === 'event') super.emit(message.event);
    else this.stopLocal(message.jobId, 'cancel');
  }

  /**
   * Adds a queued row to BullMQ (its id is the job's), without waiting: while Redis is away the add
   * waits for it, and the request that enqueued must not; the row is in the database, and a worker's
   * sweep adds it anyway.
   */
  private dispatch(row: JobRow): void {
    if (row.state !== 'queued') return;
    const delay = Math.max(0, Date.parse(row.run_after) - Date.now());
    void this.queue.add(row.type, {}, { jobId: row.id, delay, removeOnComplete: true, removeOnFail: true }).catch((error: unknown) => this.logError(`job ${row.id}: could not add it to the Redis queue; a worker's sweep will`, error));
  }

  private async sweep(): Promise<void> {
    if (this.sweeping || this.closed) return;
    this.sweeping = true;
    try {
      const types = this.registry.list().map((type) => type.type);
      if (types.length === 0) return;
      const due = await this.hub.db.selectFrom('jobs').selectAll().where('state', '=', 'queued').where('run_after', '<=', new Date().toISOString()).where('type', 'in', types).orderBy('id').limit(100).execute();
      // Adding an id BullMQ already holds (waiting or active) is a no-op.
      if (due.length > 0) await this.queue.addBulk(due.map((row) => ({ name: row.type, data: {}, opts: { jobId: row.id, removeOnComplete: true, removeOnFail: true } })));
      // Lost running jobs can only be found once a lease ran out: looking a few times per lease is enough.
      if (Date.now() - this.lastReconcile >= this.hub.config.clusterLeaseMs / 3) {
        this.lastReconcile = Date.now();
        await this.recoverLostJobs(types);
      }
    } catch (error) {
      this.logError('job sweep failed', error);
    } finally {
      this.sweeping = false;
    }
  }

  /** Running jobs that Redis lost while their worker died: re-queued by exactly one process, added to BullMQ once. */
  private async recoverLostJobs(types: readonly string[]): Promise<void> {
    const lost = await findLostJobs(this.hub.db, types, async (id) => (await this.queue.getJob(id)) !== undefined);
    for (const row of lost) {
      const after = await this.takeOver(row, 'its worker\'s lease ran out and Redis no longer holds the job');
      if (after) this.dispatch(after);
    }
    await forgetDeadMembers(this.hub.db, 24 * 3_600_000);
  }

  /** BullMQ's handler: runs the job when its record is still queued, and never a finished one twice. */
  private async process(job: Job): Promise<void> {
    const id = job.id;
    if (id === undefined || this.closed || this.running.has(id)) return;
    let row = await findJobRow(this.hub.db, id);
    if (!row) return;
    // BullMQ hands a running job to another worker only once its worker lost the lock: that worker is gone.
    if (row.state === 'running' && row.runner !== this.runnerId) row = await this.takeOver(row);
    if (row?.state !== 'queued' || Date.parse(row.run_after) > Date.now()) return;
    const claimed = await claimJob(this.hub.db, id, this.runnerId);
    if (!claimed) return;
    this.emit({ kind: 'job', job: claimed });
    await this.run(claimed);
  }

  /** The attempt of a dead worker: counted, and re-queued at once or failed by the type's retry policy. */
  private async takeOver(row: JobRow, why = 'stopped answering'): Promise<JobRow | undefined> {
    await revokeJobToken(this.hub, row);
    const reason = `the worker running attempt ${row.attempts} ${why}`;
    const type = this.registry.get(row.type);
    // Conditional on the dead runner's attempt: of several workers taking over, one wins, and never over a newer attempt.
    const fence = fenceOf(row);
    if (type && row.attempts < row.max_attempts) {
      await this.changeState(row.id, (db) => requeueJob(db, row.id, { runAfter: new Date(), from: 'running', fence, error: { code: 'JOB_INTERRUPTED', message: reason } }), [`${reason}; re-queued (attempt ${row.attempts + 1} of ${row.max_attempts})`]);
    } else if (await this.changeState(row.id, (db) => finishJob(db, row.id, { state: 'failed', error: { code: 'JOB_INTERRUPTED', message: `${reason}; no attempts left (${row.max_attempts})` } }, 'running', fence), [`${reason}; failed`])) {
      await this.emitRow(row.id);
    }
    return findJobRow(this.hub.db, row.id);
  }
}
