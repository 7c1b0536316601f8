// Jobs over HTTP: `POST /api/v1/jobs` {type, params}, list and get, `POST …/{id}/cancel` and
// `…/retry`, and `GET …/{id}/logs`: JSON lines so far, or followed until the job ends as Server-Sent
// Events (`Accept: text/event-stream`) or NDJSON (`?follow=1`), each with the job's record whenever
// it changes. `GET /api/v1/job-types` lists the types with their params schemas.
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import { followJob, type FollowEvent } from '../../jobs/follow-job.js';
import type { JobService } from '../../jobs/job-service.js';

interface ListQuery {
  owner?: string;
  state?: string;
  type?: string;
  limit?: string;
  before?: string;
}

function integerParam(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new ModaError('VALIDATION_FAILED', `${name} must be a non-negative integer`);
  return Number(value);
}

function followLogs(request: FastifyRequest, reply: FastifyReply, jobs: JobService, id: string, after: number, format: 'sse' | 'ndjson'): FastifyReply {
  const stream = new PassThrough();
  const controller = new AbortController();
  request.raw.once('close', () => controller.abort());
  stream.once('close', () => controller.abort());
  const write = (event: FollowEvent) => {
    if (format === 'ndjson') stream.write(`${JSON.stringify(event.type === 'log' ? { type: 'log', ...event.line } : event)}\n`);
    else stream.write(`event: ${event.type}\n${event.type === 'log' ? `id: ${event.line.seq}\n` : ''}data: ${JSON.stringify(event.type === 'log' ? event.line : event.job)}\n\n`);
  };
  void (async () => {
    try {
      for await (const event of followJob(jobs, jobs.queue, id, after, controller.signal)) write(event);
    } catch (error) {
      const failure = error instanceof ModaError ? error : new ModaError('INTERNAL', (error as Error).message);
      if (format === 'ndjson') stream.write(`${JSON.stringify({ type: 'error', error: { code: failure.code, message: failure.message } })}\n`);
      else stream.write(`event: error\ndata: ${JSON.stringify({ code: failure.code, message: failure.message })}\n\n`);
    } finally {
      stream.end();
    }
  })();
  reply
    .type(format === 'sse' ? 'text/event-stream; charset=utf-8' : 'application/x-ndjson')
    .header('cache-control', 'no-store')
    // Proxies (nginx) must pass events on as they come.
    .header('x-accel-buffering', 'no');
  return reply.send(stream);
}

export function registerJobRoutes(app: FastifyInstance, jobs: JobService): void {
  app.get('/api/v1/job-types', async () => ({
    types: jobs.registry.list().map((type) => ({ type: type.type, description: type.description, params_schema: type.paramsSchema, max_attempts: type.maxAttempts, admin_only: type.adminOnly === true })),
  }));

  app.post('/api/v1/jobs', async (request, reply) => {
    const job = await jobs.create(request.actor, request.body);
    return reply.code(201).header('location', `/api/v1/jobs/${job.id}`).send(job);
  });

  app.get<{ Querystring: ListQuery }>('/api/v1/jobs', async (request) => {
    const { owner, state, type, before } = request.query;
    return { jobs: await jobs.list(request.actor, { owner, state, type, before, limit: integerParam(request.query.limit, 'limit') }) };
  });

  app.get<{ Params: { id: string } }>('/api/v1/jobs/:id', async (request) => jobs.get(request.actor, request.params.id));

  app.get<{ Params: { id: string }; Querystring: { after?: string; follow?: string; limit?: string } }>('/api/v1/jobs/:id/logs', async (request, reply) => {
    const { id } = request.params;
    // SSE reconnects send the last id they saw.
    const lastEventId = request.headers['last-event-id'];
    const after = integerParam(request.query.after ?? (typeof lastEventId === 'string' ? lastEventId : undefined), 'after') ?? 0;
    const sse = /text\/event-stream/.test(request.headers.accept ?? '');
    const follow = request.query.follow === '1' || request.query.follow === 'true';
    if (sse || follow) {
      await jobs.visibleRow(request.actor, id);
      return followLogs(request, reply, jobs, id, after, sse ? 'sse' : 'ndjson');
    }
    const limit = integerParam(request.query.limit, 'limit') ?? 1000;
    if (limit < 1 || limit > 10_000) throw new ModaError('VALIDATION_FAILED', 'limit must be from 1 to 10000');
    const { job, lines } = await jobs.logs(request.actor, id, after, limit);
    return { job: jobs.view(job), lines };
  });

  app.post<{ Params: { id: string } }>('/api/v1/jobs/:id/cancel', async (request) => jobs.cancel(request.actor, request.params.id));
  app.post<{ Params: { id: string } }>('/api/v1/jobs/:id/retry', async (request) => jobs.retry(request.actor, request.params.id));
}
