// The job records in the database (SQLite or PostgreSQL): every JobQueue implementation keeps its
// jobs here, so reads (list, get, logs) never depend on which queue runs them. State changes are
// conditional updates (`where state = …`), so two processes never both claim or finish one job.
import { randomBytes } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { Db } from '../db/open-database.js';
import type { JobLogsTable, JobsTable, JobState } from '../db/schema.js';
import { advisoryLockId } from '../hub/pg-advisory-locks.js';
import { queueFullError } from './queue-full-error.js';

export type JobRow = Selectable<JobsTable>;
export type JobLogRow = Selectable<JobLogsTable>;

export const FINISHED_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];
/** A log line longer than this is cut, and a job keeps at most MAX_LOG_LINES lines: a chatty job cannot fill the database. */
export const MAX_LOG_LINE_CHARS = 4096;
export const MAX_LOG_LINES = 20_000;
const LOG_INSERT_ROWS = 500;

/** Time-ordered: milliseconds in base 36 (fixed width), then random hex. */
export function newJobId(now = Date.now()): string {
  return `${now.toString(36).padStart(9, '0')}${randomBytes(5).toString('hex')}`;
}

export interface NewJob {
  type: string;
  params: unknown;
  owner: string;
  tokenId: string | null;
  maxAttempts: number;
  /** A fixed id (a job that must exist once per cluster); an existing job with this id is returned instead. */
  id?: string;
  /** The most jobs `owner` may have queued, this one included (MODA_JOBS_MAX_QUEUED_PER_USER); past it JOB_QUEUE_FULL. */
  queuedCap?: number;
}

export interface InsertOptions {
  /** The database is PostgreSQL: the queued cap takes an advisory lock on the owner. */
  postgres?: boolean;
}

export async function insertJob(db: Db, job: NewJob, options: InsertOptions = {}): Promise<JobRow> {
  const now = new Date().toISOString();
  const row: JobRow = {
    id: job.id ?? newJobId(),
    type: job.type,
    params: JSON.stringify(job.params ?? {}),
    owner: job.owner,
    token_id: job.tokenId,
    state: 'queued',
    progress_fraction: null,
    progress_message: null,
    created_at: now,
    started_at: null,
    finished_at: null,
    attempts: 0,
    max_attempts: job.maxAttempts,
    run_after: now,
    runner: null,
    pid: null,
    cancel_requested: 0,
    result: null,
    error_code: null,
    error_message: null,
    log_lines: 0,
  };
  if (job.queuedCap !== undefined && job.id === undefined) {
    return withinQueuedCap(db, { owner: row.owner, cap: job.queuedCap, postgres: options.postgres }, async (trx) => {
      await trx.insertInto('jobs').values(row).execute();
      return row;
    });
  }
  if (job.id === undefined) {
    await db.insertInto('jobs').values(row).execute();
    return row;
  }
  await db.insertInto('jobs').values(row).onConflict((conflict) => conflict.column('id').doNothing()).execute();
  return (await findJobRow(db, row.id)) ?? row;
}

/** The per-user queued-jobs cap a write must stay within (MODA_JOBS_MAX_QUEUED_PER_USER). */
export interface QueuedCap {
  owner: string;
  /** The most jobs `owner` may have queued, the one being written included. */
  cap: number;
  /** The database is PostgreSQL: the check takes an advisory lock on the owner. */
  postgres?: boolean;
}

/**
 * Runs `write` (which makes one job of `limit.owner` queued: a new one, or a retried one) and keeps
 * it only if its owner then has at most `cap` queued: write, count and roll back past the cap, in
 * one transaction. Counting first and writing after let N requests at once all see cap - 1 and all
 * pass. SQLite runs one writer at a time, and a second process's write waits for this commit, so its
 * count sees this row. PostgreSQL's READ COMMITTED would let two transactions miss each other's
 * uncommitted rows, so there the transaction first takes an advisory lock on the owner, as the
 * storage quota does.
 */
async function withinQueuedCap<T>(db: Db, limit: QueuedCap, write: (trx: Db) => Promise<T>, wrote: (written: T) => boolean = () => true): Promise<T> {
  return db.transaction().execute(async (trx) => {
    if (limit.postgres) await sql`select pg_advisory_xact_lock(${advisoryLockId(`jobs-queued:${limit.owner}`)}::bigint)`.execute(trx);
    const written = await write(trx);
    // Nothing was queued (a retry that found the job no longer in its state): nothing to refuse.
    if (!wrote(written)) return written;
    const queued = await countQueuedJobs(trx, limit.owner);
    // Thrown inside the transaction: the write is rolled back.
    if (queued > limit.cap) throw queueFullError(limit.owner, queued - 1, limit.cap);
    return written;
  });
}

export async function findJobRow(db: Db, id: string): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface JobFilter {
  owner?: string;
  state?: JobState;
  type?: string;
  /** Jobs with ids below this (the next page, newest first). */
  before?: string;
  limit: number;
}

export async function listJobRows(db: Db, filter: JobFilter): Promise<JobRow[]> {
  let query = db.selectFrom('jobs').selectAll();
  if (filter.owner !== undefined) query = query.where('owner', '=', filter.owner);
  if (filter.state !== undefined) query = query.where('state', '=', filter.state);
  if (filter.type !== undefined) query = query.where('type', '=', filter.type);
  if (filter.before !== undefined) query = query.where('id', '<', filter.before);
  return query.orderBy('id', 'desc').limit(filter.limit).execute();
}

/** Jobs of `owner` waiting in the queue (the per-user cap). */
export async function countQueuedJobs(db: Db, owner: string): Promise<number> {
  const row = await db.selectFrom('jobs').select((eb) => eb.fn.countAll<number | string>().as('count')).where('owner', '=', owner).where('state', '=', 'queued').executeTakeFirst();
  return Number(row?.count ?? 0);
}

/**
 * Which attempt of a job a runner holds: the `runner` and `attempts` its claim wrote (`attempts`
 * grows with every claim, runner ids are per process, so the pair never repeats). A write that names
 * a fence lands only while that attempt is still the job's current one: a worker that stalled past
 * its lease, was taken over and then woke up writes nothing (no progress, log, result or commit).
 */
export interface JobFence {
  runner: string;
  attempt: number;
}

/** The fence of the attempt `row` shows running; undefined for a row no runner holds. */
export function fenceOf(row: Pick<JobRow, 'runner' | 'attempts'>): JobFence | undefined {
  return row.runner === null ? undefined : { runner: row.runner, attempt: row.attempts };
}

/** Whether `fence`'s attempt is still the running one of job `id`. */
export async function holdsJob(db: Db, id: string, fence: JobFence): Promise<boolean> {
  const row = await db.selectFrom('jobs').select('id').where('id', '=', id).where('state', '=', 'running').where('runner', '=', fence.runner).where('attempts', '=', fence.attempt).executeTakeFirst();
  return row !== undefined;
}

/** Takes the oldest due queued job for `runner`; undefined when none is due (or another runner won them). */
export async function claimNextJob(db: Db, runner: string, types: readonly string[]): Promise<JobRow | undefined> {
  if (types.length === 0) return undefined;
  const now = new Date().toISOString();
  const candidates = await db.selectFrom('jobs').select('id').where('state', '=', 'queued').where('run_after', '<=', now).where('type', 'in', types).orderBy('id').limit(8).execute();
  for (const { id } of candidates) {
    const claimed = await claimJob(db, id, runner);
    if (claimed) return claimed;
  }
  return undefined;
}

/** Takes queued job `id` for `runner`; undefined when it is not queued (another runner won it, or it ended). */
export async function claimJob(db: Db, id: string, runner: string): Promise<JobRow | undefined> {
  const now = new Date().toISOString();
  const claimed = await db
    .updateTable('jobs')
    .set((eb) => ({ state: 'running', runner, pid: null, started_at: now, finished_at: null, attempts: eb('attempts', '+', 1), progress_fraction: null, progress_message: null, error_code: null, error_message: null, cancel_requested: 0 }))
    .where('id', '=', id)
    .where('state', '=', 'queued')
    .executeTakeFirst();
  return Number(claimed.numUpdatedRows) === 1 ? findJobRow(db, id) : undefined;
}

/** Records progress; false when `fence` was given and its attempt is no longer the job's (nothing is written). */
export async function setJobProgress(db: Db, id: string, fraction: number | null, message: string | null, fence?: JobFence): Promise<boolean> {
  let query = db.updateTable('jobs').set({ progress_fraction: fraction, progress_message: message }).where('id', '=', id).where('state', '=', 'running');
  if (fence) query = query.where('runner', '=', fence.runner).where('attempts', '=', fence.attempt);
  const updated = await query.executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

export interface JobEnding {
  state: 'succeeded' | 'failed' | 'cancelled';
  result?: unknown;
  error?: { code: string; message: string };
}

/**
 * Ends a job that is in `from` (running, or queued for a cancel); false when it was not in that state
 * any more. With `holder` (a runner id, or the fence of one attempt), only while it still holds the
 * job: a take-over must not end a newer attempt, nor a stalled runner the attempt that replaced its own.
 */
export async function finishJob(db: Db, id: string, ending: JobEnding, from: JobState = 'running', holder?: string | JobFence): Promise<boolean> {
  let query = db
    .updateTable('jobs')
    .set({
      state: ending.state,
      finished_at: new Date().toISOString(),
      runner: null,
      pid: null,
      result: ending.result === undefined ? null : JSON.stringify(ending.result),
      error_code: ending.error?.code ?? null,
      error_message: ending.error?.message ?? null,
      ...(ending.state === 'succeeded' && { progress_fraction: 1 }),
    })
    .where('id', '=', id)
    .where('state', '=', from);
  if (typeof holder === 'string') query = query.where('runner', '=', holder);
  else if (holder) query = query.where('runner', '=', holder.runner).where('attempts', '=', holder.attempt);
  const updated = await query.executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/**
 * Puts a job back in the queue (an automatic retry, a restart, or a user's retry from `from`). With
 * `runner`, only while that runner holds it: of several processes taking over one dead runner's job,
 * exactly one succeeds, and none can re-queue the attempt that followed.
 */
export async function requeueJob(
  db: Db,
  id: string,
  options: { runAfter: Date; from: JobState; error?: { code: string; message: string }; runner?: string; fence?: JobFence; uncount?: boolean; queuedCap?: QueuedCap },
): Promise<boolean> {
  // A user's retry counts against their queued cap as a new job does (the queue's own re-queues do not: the job was admitted once).
  const { queuedCap, ...unlimited } = options;
  if (queuedCap) return withinQueuedCap(db, queuedCap, (trx) => requeueJob(trx, id, unlimited), (requeued) => requeued);
  let query = db
    .updateTable('jobs')
    .set((eb) => ({
      state: 'queued',
      run_after: options.runAfter.toISOString(),
      runner: null,
      pid: null,
      finished_at: null,
      cancel_requested: 0,
      error_code: options.error?.code ?? null,
      error_message: options.error?.message ?? null,
      // Not the job's fault (its server stopping): the attempt is given back.
      ...(options.uncount && { attempts: eb('attempts', '-', 1) }),
    }))
    .where('id', '=', id)
    .where('state', '=', options.from);
  if (options.runner !== undefined) query = query.where('runner', '=', options.runner);
  if (options.fence) query = query.where('runner', '=', options.fence.runner).where('attempts', '=', options.fence.attempt);
  const updated = await query.executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

export async function requestCancel(db: Db, id: string): Promise<void> {
  await db.updateTable('jobs').set({ cancel_requested: 1 }).where('id', '=', id).where('state', '=', 'running').execute();
}

/** Ids of running jobs of `runner` that someone asked to cancel (possibly through another replica). */
export async function cancelRequestedJobs(db: Db, runner: string): Promise<string[]> {
  const rows = await db.selectFrom('jobs').select('id').where('runner', '=', runner).where('state', '=', 'running').where('cancel_requested', '=', 1).execute();
  return rows.map((row) => row.id);
}

/** Rolls back a fenced log append whose attempt was taken over while it was written. */
class AttemptTakenOver extends Error {}

/**
 * Appends lines (cut to MAX_LOG_LINE_CHARS, at most MAX_LOG_LINES per job); returns them with their
 * seq. With `fence`, only while that attempt is the job's running one (else nothing is written).
 */
export async function appendJobLog(db: Db, id: string, lines: readonly string[], fence?: JobFence): Promise<JobLogRow[]> {
  if (lines.length === 0) return [];
  return db
    .transaction()
    .execute((trx) => appendLogRows(trx, id, lines, fence))
    .catch((error: unknown) => {
      if (error instanceof AttemptTakenOver) return [];
      throw error;
    });
}

/**
 * Changes a job's state (`change` answers whether it took) and appends `lines` to its log in the same
 * transaction: whoever reads the new state reads the lines that tell it. Undefined when nothing changed.
 */
export async function changeJobState(db: Db, id: string, change: (trx: Db) => Promise<boolean>, lines: readonly string[]): Promise<JobLogRow[] | undefined> {
  return db.transaction().execute(async (trx) => ((await change(trx)) ? appendLogRows(trx, id, lines) : undefined));
}

/** appendJobLog inside a transaction; throws AttemptTakenOver when `fence` no longer holds the job. */
async function appendLogRows(trx: Db, id: string, lines: readonly string[], fence?: JobFence): Promise<JobLogRow[]> {
  if (lines.length === 0) return [];
  let select = trx.selectFrom('jobs').select('log_lines').where('id', '=', id);
  if (fence) select = select.where('state', '=', 'running').where('runner', '=', fence.runner).where('attempts', '=', fence.attempt);
  const job = await select.executeTakeFirst();
  if (!job) return [];
  const room = Math.max(0, MAX_LOG_LINES - job.log_lines);
  const kept = lines.length > room ? [...lines.slice(0, Math.max(0, room - 1)), ...(room > 0 ? [`… log limit of ${MAX_LOG_LINES} lines reached; later lines are dropped`] : [])] : lines;
  if (kept.length === 0) return [];
  const at = new Date().toISOString();
  const rows = kept.map((line, index) => ({ job_id: id, seq: job.log_lines + index + 1, at, line: line.length > MAX_LOG_LINE_CHARS ? `${line.slice(0, MAX_LOG_LINE_CHARS)}…` : line }));
  // In slices: SQLite and PostgreSQL cap the bound values of one statement.
  for (let start = 0; start < rows.length; start += LOG_INSERT_ROWS) await trx.insertInto('job_logs').values(rows.slice(start, start + LOG_INSERT_ROWS)).execute();
  let count = trx.updateTable('jobs').set({ log_lines: job.log_lines + rows.length }).where('id', '=', id);
  // Checked again as the row is written (and locked): a take-over in between rolls the lines back.
  if (fence) count = count.where('state', '=', 'running').where('runner', '=', fence.runner).where('attempts', '=', fence.attempt);
  if (Number((await count.executeTakeFirst()).numUpdatedRows) !== 1) throw new AttemptTakenOver();
  return rows;
}

export async function readJobLog(db: Db, id: string, afterSeq: number, limit: number): Promise<JobLogRow[]> {
  return db.selectFrom('job_logs').selectAll().where('job_id', '=', id).where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
}

/** Jobs by type and state, and the due queued ones (metrics). */
export async function countJobs(db: Db): Promise<{ type: string; state: JobState; count: number }[]> {
  const rows = await db.selectFrom('jobs').select(['type', 'state']).select((eb) => eb.fn.countAll<number | string>().as('count')).groupBy(['type', 'state']).execute();
  return rows.map((row) => ({ type: row.type, state: row.state, count: Number(row.count) }));
}
