// Jobs as users see them: create (type and params checked against the type's schema), list, get,
// cancel, retry and logs, each limited to the caller's own jobs (site admins see all). Another
// user's job answers JOB_NOT_FOUND, as a job that does not exist, so ids reveal nothing.
import { Value } from '@sinclair/typebox/value';
import type { JobState } from '../db/schema.js';
import { ModaError } from '../errors/moda-error.js';
import { canWriteTokens, isSiteAdmin, requireUser, type Actor } from '../hub/actor.js';
import type { HubContext } from '../hub/context.js';
import type { JobQueue } from './job-queue.js';
import { findJobRow, listJobRows, readJobLog, FINISHED_STATES, type JobRow } from './job-store.js';
import type { JobTypeRegistry } from './job-type.js';
import { creatingTokenId } from './job-token.js';
import { jobLogLine, jobView, type JobLogLine, type JobView } from './job-view.js';

export const JOB_STATES: readonly JobState[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
export const MAX_JOB_PAGE = 500;

export interface JobListQuery {
  owner?: string;
  state?: string;
  type?: string;
  limit?: number;
  before?: string;
}

export class JobService {
  constructor(
    readonly hub: HubContext,
    readonly queue: JobQueue,
    readonly registry: JobTypeRegistry,
  ) {}

  view(row: JobRow): JobView {
    return jobView(row, this.registry.get(row.type));
  }

  async create(actor: Actor, input: unknown): Promise<JobView> {
    const user = requireUser(actor);
    if (!canWriteTokens(actor)) throw new ModaError('AUTH_FORBIDDEN', 'this token is read-only: creating a job writes');
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ModaError('VALIDATION_FAILED', 'the body must be a JSON object {"type": …, "params": {…}}');
    const { type: name, params = {} } = input as { type?: unknown; params?: unknown };
    if (typeof name !== 'string' || name === '') throw new ModaError('VALIDATION_FAILED', '"type" must be the name of a job type');
    const type = this.registry.get(name);
    if (!type) throw new ModaError('JOB_TYPE_UNKNOWN', `no job type "${name.slice(0, 100)}"; known types: ${this.registry.list().map((known) => known.type).join(', ')}`);
    if (type.adminOnly && !isSiteAdmin(actor)) throw new ModaError('AUTH_FORBIDDEN', `only a site admin may start a ${name} job`);
    if (!Value.Check(type.paramsSchema, params)) {
      const first = [...Value.Errors(type.paramsSchema, params)][0];
      throw new ModaError('JOB_PARAMS_INVALID', `params of a ${name} job: ${first ? `${first.path || '/'} ${first.message}` : 'do not match the schema'}`, { details: { schema: type.paramsSchema } });
    }
    type.checkParams?.(params, { isSiteAdmin: isSiteAdmin(actor), config: this.hub.config });
    const stored = type.prepareParams ? await type.prepareParams(params, { hub: this.hub, actor }) : params;
    const cap = this.queuedCap(actor);
    const row = await this.queue.enqueue({ type: name, params: stored, owner: user, tokenId: await creatingTokenId(this.hub, actor.tokenId), maxAttempts: type.maxAttempts, ...(cap !== undefined && { queuedCap: cap }) });
    return this.view(row);
  }

  /**
   * One user cannot fill the queue ahead of everyone else: past MODA_JOBS_MAX_QUEUED_PER_USER jobs
   * waiting, a new one is refused with 429 until one starts. Site admins are not limited (they run
   * the hub's own work), and neither are jobs the server starts (they never pass through here). A
   * user's retry puts a job back in the queue, so it counts as a new job does. The check and the
   * write are one transaction (job-store.ts withinQueuedCap), so requests at once cannot pass it
   * together.
   */
  private queuedCap(actor: Actor): number | undefined {
    const cap = this.hub.config.jobsMaxQueuedPerUser;
    return cap <= 0 || isSiteAdmin(actor) ? undefined : cap;
  }

  /** The job, when the actor may see it. */
  async visibleRow(actor: Actor, id: string): Promise<JobRow> {
    const user = requireUser(actor);
    const row = /^[0-9a-z]{1,64}$/.test(id) ? await findJobRow(this.hub.db, id) : undefined;
    if (!row || (row.owner !== user && !isSiteAdmin(actor))) throw new ModaError('JOB_NOT_FOUND', `no job ${id.slice(0, 64)}`);
    return row;
  }

  async get(actor: Actor, id: string): Promise<JobView> {
    return this.view(await this.visibleRow(actor, id));
  }

  async list(actor: Actor, query: JobListQuery): Promise<JobView[]> {
    const user = requireUser(actor);
    if (query.owner !== undefined && query.owner !== user && !isSiteAdmin(actor)) throw new ModaError('AUTH_FORBIDDEN', "only a site admin may list other users' jobs");
    if (query.state !== undefined && !JOB_STATES.includes(query.state as JobState)) throw new ModaError('VALIDATION_FAILED', `state must be one of ${JOB_STATES.join(', ')}`);
    const limit = query.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_JOB_PAGE) throw new ModaError('VALIDATION_FAILED', `limit must be an integer from 1 to ${MAX_JOB_PAGE}`);
    const owner = query.owner ?? (isSiteAdmin(actor) ? undefined : user);
    const rows = await listJobRows(this.hub.db, { owner, state: query.state as JobState | undefined, type: query.type, before: query.before, limit });
    return rows.map((row) => this.view(row));
  }

  async cancel(actor: Actor, id: string): Promise<JobView> {
    const row = await this.visibleRow(actor, id);
    if (FINISHED_STATES.includes(row.state)) throw new ModaError('JOB_ALREADY_FINISHED', `job ${id} has already ${row.state === 'succeeded' ? 'succeeded' : row.state === 'failed' ? 'failed' : 'been cancelled'}; only a queued or running job can be cancelled`);
    return this.view(await this.queue.cancel(id));
  }

  async retry(actor: Actor, id: string): Promise<JobView> {
    const row = await this.visibleRow(actor, id);
    if (row.state !== 'failed' && row.state !== 'cancelled') throw new ModaError('JOB_NOT_RETRYABLE', `job ${id} is ${row.state}; only a failed or cancelled job can be retried`);
    if (!this.registry.get(row.type)) throw new ModaError('JOB_TYPE_UNKNOWN', `job type ${row.type} is not registered on this server any more`);
    const cap = this.queuedCap(actor);
    return this.view(await this.queue.retry(id, row.state, cap === undefined ? undefined : { owner: row.owner, cap }));
  }

  async logs(actor: Actor, id: string, afterSeq = 0, limit = 1000): Promise<{ job: JobRow; lines: JobLogLine[] }> {
    const job = await this.visibleRow(actor, id);
    return { job, lines: (await readJobLog(this.hub.db, id, afterSeq, limit)).map(jobLogLine) };
  }
}
