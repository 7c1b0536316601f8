// The embedded JobQueue: jobs run in child processes of this server (job-process.ts), at most
// `concurrency` at once, claimed from the database. A cancel aborts the job's signal and kills its
// process 500 ms later if it has not ended, so a cancelled job stops within a second; its temp dir
// and token are removed whatever way it ended. At start, jobs left `running` by a dead process are
// re-queued or failed by their retry policy (recover-jobs.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdir, rm, rmdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { memberId } from '../cluster/member-lease.js';
import { isPostgresUrl, type Db } from '../db/open-database.js';
import type { JobState } from '../db/schema.js';
import { isModaError, ModaError } from '../errors/moda-error.js';
import type { HubContext } from '../hub/context.js';
import type { FromJobProcess, JobFailure, ToJobProcess } from './job-messages.js';
import type { JobEvent, JobQueue } from './job-queue.js';
import { appendJobLog, cancelRequestedJobs, changeJobState, claimNextJob, findJobRow, finishJob, insertJob, requestCancel, requeueJob, setJobProgress, type JobFence, type JobRow, type NewJob, type QueuedCap } from './job-store.js';
import { mintJobToken, revokeJobToken } from './job-token.js';
import { backoffDelayMs, type JobTypeRegistry } from './job-type.js';
import { liveRunners, recoverJobs } from './recover-jobs.js';

const FROM_SOURCE = extname(fileURLToPath(import.meta.url)) === '.ts';
const JOB_PROCESS_PATH = fileURLToPath(new URL(`./job-process${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url));
/** How long an aborted job may take to stop by itself before its process is killed. */
const ABORT_GRACE_MS = 500;
/** How often queued jobs, retries that became due and cancels made through another replica are looked for. */
const POLL_MS = 500;
/** Progress is written to the database at most this often per job (events go out at once). */
const PROGRESS_WRITE_MS = 250;

/** Environment names a job process must not see: the server's settings (it gets its config over IPC) and secrets. */
const PRIVATE_ENV = /^MODA_|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|_KEY$|^AWS_|DATABASE_URL|REDIS/i;

interface RunningJob {
  row: JobRow;
  /** The attempt this runner holds: every write of the run names it (job-store.ts JobFence). */
  fence: JobFence;
  /** Set once a fenced write found the attempt taken over (this runner stalled past its lease): nothing more is written. */
  lost: boolean;
  /** This attempt's token secret: only it is revoked at the end, never a newer attempt's. */
  token: string | undefined;
  child: ChildProcess | undefined;
  outcome: { kind: 'succeeded'; result: unknown } | { kind: 'failed'; error: JobFailure } | undefined;
  /** Why it is being stopped: a user's cancel, or the server closing. */
  stopping: 'cancel' | 'close' | undefined;
  killTimer: NodeJS.Timeout | undefined;
  progressTimer: NodeJS.Timeout | undefined;
  progressWritten: number;
  /** Log appends, in order. */
  writes: Promise<unknown>;
  ended: Promise<void>;
}

export function defaultJobConcurrency(configured: number): number {
  return configured > 0 ? configured : Math.max(1, Math.floor(availableParallelism() / 2));
}

export class EmbeddedJobQueue implements JobQueue {
  /** `host:pid:random`: which process (and which queue in it) runs a job; host = MODA_NODE_NAME or the OS's. */
  readonly runnerId: string;
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  protected readonly running = new Map<string, RunningJob>();
  private readonly concurrency: number;
  protected serverUrl: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  protected closed = false;

  constructor(
    protected readonly hub: HubContext,
    protected readonly registry: JobTypeRegistry,
    /** Where failures of the queue itself (not of a job) are reported: the server's log. */
    protected readonly logError: (message: string, error: unknown) => void = () => {},
  ) {
    this.concurrency = defaultJobConcurrency(hub.config.jobConcurrency);
    this.runnerId = memberId(hub.config.nodeName);
  }

  get runningCount(): number {
    return this.running.size;
  }

  subscribe(listener: (event: JobEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  protected emit(event: JobEvent): void {
    this.emitter.emit('event', event);
  }

  async enqueue(job: NewJob): Promise<JobRow> {
    const row = await insertJob(this.hub.db, job, { postgres: isPostgresUrl(this.hub.config.databaseUrl) });
    this.emit({ kind: 'job', job: row });
    this.wake();
    return row;
  }

  async cancel(id: string): Promise<JobRow> {
    const row = await findJobRow(this.hub.db, id);
    if (!row) throw new ModaError('JOB_NOT_FOUND', `no job ${id}`);
    if (row.state === 'queued' && (await this.changeState(id, (db) => finishJob(db, id, { state: 'cancelled', error: { code: 'JOB_CANCELLED', message: 'cancelled before it started' } }, 'queued'), ['cancelled before it started']))) {
      return this.emitRow(id);
    }
    const now = (await findJobRow(this.hub.db, id)) ?? row;
    if (now.state !== 'running') {
      if (now.state === 'queued') return this.cancel(id);
      throw new ModaError('JOB_ALREADY_FINISHED', `job ${id} has already ${now.state}; only a queued or running job can be cancelled`);
    }
    await requestCancel(this.hub.db, id);
    this.stopLocal(id, 'cancel');
    return (await findJobRow(this.hub.db, id)) ?? now;
  }

  async retry(id: string, from: JobState, queuedCap?: Omit<QueuedCap, 'postgres'>): Promise<JobRow> {
    const cap = queuedCap && { ...queuedCap, postgres: isPostgresUrl(this.hub.config.databaseUrl) };
    if (!(await requeueJob(this.hub.db, id, { runAfter: new Date(), from, queuedCap: cap }))) throw new ModaError('JOB_NOT_RETRYABLE', `job ${id} is no longer ${from}`);
    await this.log(id, ['retry requested']);
    const row = await this.emitRow(id);
    this.wake();
    return row;
  }

  async start(options: { serverUrl: string }): Promise<void> {
    this.serverUrl = options.serverUrl;
    liveRunners.add(this.runnerId);
    await recoverJobs(this.hub, this.registry, (id, change, lines) => this.changeState(id, change, lines));
    this.timer = setInterval(() => this.wake(), POLL_MS);
    this.timer.unref();
    this.wake();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    for (const id of this.running.keys()) this.stopLocal(id, 'close');
    await Promise.all([...this.running.values()].map((job) => job.ended));
    liveRunners.delete(this.runnerId);
  }

  /** Runs a tick now, or once more after the one in progress. */
  protected wake(): void {
    if (this.closed || this.serverUrl === undefined) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick()
      .catch((error: unknown) => this.logError('job queue tick failed', error))
      .finally(() => {
        this.ticking = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async tick(): Promise<void> {
    for (const id of await cancelRequestedJobs(this.hub.db, this.runnerId)) this.stopLocal(id, 'cancel');
    await this.claimJobs();
  }

  /** Claims and starts due queued jobs up to the concurrency (a cluster queue is handed its jobs by BullMQ instead). */
  protected async claimJobs(): Promise<void> {
    const types = this.registry.list().map((type) => type.type);
    while (!this.closed && this.running.size < this.concurrency) {
      const row = await claimNextJob(this.hub.db, this.runnerId, types);
      if (!row) break;
      this.emit({ kind: 'job', job: row });
      void this.run(row);
    }
  }

  protected stopLocal(id: string, why: 'cancel' | 'close'): void {
    const job = this.running.get(id);
    if (!job || job.stopping) return;
    job.stopping = why;
    this.send(job, { kind: 'abort' });
    job.killTimer = setTimeout(() => job.child?.kill('SIGKILL'), ABORT_GRACE_MS);
  }

  private send(job: RunningJob, message: ToJobProcess): void {
    if (job.child?.connected) job.child.send(message);
  }

  protected log(id: string, lines: readonly string[], fence?: JobFence): Promise<void> {
    return appendJobLog(this.hub.db, id, lines, fence).then((rows) => {
      if (rows.length > 0) this.emit({ kind: 'log', jobId: id, lines: rows });
    });
  }

  /** A change of state and the log lines that tell it, written together (changeJobState); false when it did not take. */
  protected async changeState(id: string, change: (db: Db) => Promise<boolean>, lines: readonly string[]): Promise<boolean> {
    const rows = await changeJobState(this.hub.db, id, change, lines);
    if (rows && rows.length > 0) this.emit({ kind: 'log', jobId: id, lines: rows });
    return rows !== undefined;
  }

  protected async emitRow(id: string): Promise<JobRow> {
    const row = await findJobRow(this.hub.db, id);
    if (!row) throw new ModaError('JOB_NOT_FOUND', `no job ${id}`);
    this.emit({ kind: 'job', job: row });
    return row;
  }

  /** Runs a job claimed by this runner; resolves when it has ended and its end is recorded. */
  protected run(row: JobRow): Promise<void> {
    let endedResolve = () => {};
    const job: RunningJob = { row, fence: { runner: this.runnerId, attempt: row.attempts }, lost: false, token: undefined, child: undefined, outcome: undefined, stopping: undefined, killTimer: undefined, progressTimer: undefined, progressWritten: 0, writes: Promise.resolve(), ended: new Promise((resolve) => (endedResolve = resolve)) };
    this.running.set(row.id, job);
    // One folder per attempt: a stalled attempt that wakes up must not remove the one that replaced it.
    const tempDir = join(this.hub.config.home, 'jobs', 'tmp', row.id, String(row.attempts));
    void this.execute(job, tempDir)
      .catch((error: unknown) => {
        job.outcome = { kind: 'failed', error: isModaError(error) ? { code: error.code, message: error.message, retryable: error.retryable } : { code: 'INTERNAL', message: String(error), retryable: false } };
      })
      .then(() => this.finish(job, tempDir))
      .catch((error: unknown) => this.logError(`job ${row.id}: recording its end failed`, error))
      .finally(() => {
        this.running.delete(row.id);
        endedResolve();
        this.wake();
      });
    return job.ended;
  }

  /** Starts the job's process and resolves when it has exited. */
  private async execute(job: RunningJob, tempDir: string): Promise<void> {
    const { row } = job;
    await this.log(row.id, [`attempt ${row.attempts} of ${Math.max(row.attempts, row.max_attempts)} started`], job.fence);
    await mkdir(tempDir, { recursive: true });
    const token = await mintJobToken(this.hub, row);
    job.token = token;
    if (job.stopping) return;
    const execArgv = [...(FROM_SOURCE ? ['--import', import.meta.resolve('tsx')] : []), ...(this.hub.config.jobCpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${this.hub.config.jobCpuProfileDir}`] : [])];
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !PRIVATE_ENV.test(name)));
    const child = spawn(process.execPath, [...execArgv, JOB_PROCESS_PATH], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced', env, cwd: tempDir });
    job.child = child;
    // What the job's code prints becomes log lines.
    for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream }).on('line', (line) => (job.writes = job.writes.then(() => this.log(row.id, [line], job.fence))));
    child.on('message', (message: FromJobProcess) => this.receive(job, message));
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    child.once('spawn', () => this.send(job, { kind: 'start', jobId: row.id, type: row.type, params: JSON.parse(row.params) as unknown, attempt: row.attempts, token, serverUrl: this.serverUrl ?? '', tempDir, config: this.hub.config, runner: this.runnerId }));
    child.once('error', (error) => (job.outcome ??= { kind: 'failed', error: { code: 'JOB_CRASHED', message: `the job process could not start: ${error.message}`, retryable: true } }));
    // A cancel that came while the process was starting.
    if (job.stopping) this.stopLocal(row.id, job.stopping);
    if (child.pid !== undefined) await this.hub.db.updateTable('jobs').set({ pid: child.pid }).where('id', '=', row.id).where('state', '=', 'running').where('runner', '=', job.fence.runner).where('attempts', '=', job.fence.attempt).execute();
    const { code, signal } = await closed;
    if (job.killTimer) clearTimeout(job.killTimer);
    if (!job.outcome && !job.stopping) job.outcome = { kind: 'failed', error: { code: 'JOB_CRASHED', message: `the job process ${signal ? `was killed by ${signal}` : `exited with code ${code ?? 'unknown'}`} without an answer`, retryable: true } };
  }

  private receive(job: RunningJob, message: FromJobProcess): void {
    switch (message.kind) {
      case 'progress': {
        if (job.lost) return;
        job.row = { ...job.row, progress_fraction: message.fraction, progress_message: message.message };
        this.emit({ kind: 'job', job: job.row });
        if (job.progressTimer) return;
        const wait = Math.max(0, job.progressWritten + PROGRESS_WRITE_MS - Date.now());
        job.progressTimer = setTimeout(() => {
          job.progressTimer = undefined;
          job.progressWritten = Date.now();
          job.writes = job.writes.then(async () => {
            if (!(await setJobProgress(this.hub.db, job.row.id, job.row.progress_fraction, job.row.progress_message, job.fence))) job.lost = true;
          });
        }, wait);
        return;
      }
      case 'log':
        job.writes = job.writes.then(() => this.log(job.row.id, [message.line], job.fence));
        return;
      case 'succeeded':
      case 'failed':
        job.outcome = message;
        return;
    }
  }

  /**
   * Records how the job ended (or re-queues it), after its process is gone. Every change is fenced on
   * this runner's attempt: when it was taken over meanwhile (this runner stalled past its lease, and
   * another worker runs the job now), nothing is written and the outcome is dropped.
   */
  private async finish(job: RunningJob, tempDir: string): Promise<void> {
    const { id } = job.row;
    const { fence } = job;
    if (job.progressTimer) clearTimeout(job.progressTimer);
    await job.writes.catch(() => undefined);
    await rm(tempDir, { recursive: true, force: true });
    // The job's folder goes with its last attempt (another attempt's folder keeps it).
    await rmdir(dirname(tempDir)).catch(() => undefined);
    await revokeJobToken(this.hub, job.row, job.token);
    let recorded: boolean;
    if (job.stopping === 'close') {
      // Not the job's fault: the next start runs it again, without counting this attempt.
      recorded = await this.changeState(id, (db) => requeueJob(db, id, { runAfter: new Date(), from: 'running', fence, uncount: true }), ['the server is stopping: the job goes back to the queue']);
    } else if (job.stopping === 'cancel' || job.outcome?.kind === 'failed' && job.outcome.error.code === 'JOB_CANCELLED') {
      recorded = await this.changeState(id, (db) => finishJob(db, id, { state: 'cancelled', error: { code: 'JOB_CANCELLED', message: 'cancelled while running; nothing it had not finished was kept' } }, 'running', fence), ['cancelled']);
    } else if (job.outcome?.kind === 'succeeded') {
      const { result } = job.outcome;
      recorded = await this.changeState(id, (db) => finishJob(db, id, { state: 'succeeded', result }, 'running', fence), ['succeeded']);
    } else {
      const error = job.outcome?.error ?? { code: 'JOB_CRASHED', message: 'the job ended without an answer', retryable: true };
      const type = this.registry.get(job.row.type);
      const attempts = job.row.attempts;
      if (error.retryable && type && attempts < job.row.max_attempts) {
        const delay = backoffDelayMs(type.backoff, attempts);
        recorded = await this.changeState(id, (db) => requeueJob(db, id, { runAfter: new Date(Date.now() + delay), from: 'running', error, fence }), [`failed: ${error.code}: ${error.message}`, `retrying in ${Math.round(delay / 1000)} s (attempt ${attempts + 1} of ${job.row.max_attempts})`]);
      } else {
        recorded = await this.changeState(id, (db) => finishJob(db, id, { state: 'failed', error: { code: error.code, message: error.message } }, 'running', fence), [`failed: ${error.code}: ${error.message}`]);
      }
    }
    if (!recorded) {
      const outcome = job.stopping ?? job.outcome?.kind ?? 'no answer';
      this.logError(`job ${id}: attempt ${fence.attempt} was taken over while this runner (${fence.runner}) did not answer; its outcome (${outcome}) is dropped`, new ModaError('JOB_LEASE_LOST'));
      return;
    }
    await this.emitRow(id);
  }
}
