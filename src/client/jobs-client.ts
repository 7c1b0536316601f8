// Jobs through the HTTP API, for the CLI and the web UI: create, list, get, cancel, retry, read and
// follow logs. Functions over a ModaClient (rather than methods on it) keep the client class small.
import { errorCatalog, type ErrorCode } from '../errors/catalog.js';
import { ModaError } from '../errors/moda-error.js';
import type { ModaClient } from './moda-client.js';

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface JobInfo {
  id: string;
  type: string;
  params: Record<string, unknown>;
  owner: string;
  state: JobState;
  progress: { fraction: number | null; message: string | null };
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  attempts: number;
  max_attempts: number;
  run_after: string;
  cancel_requested: boolean;
  result: unknown;
  error: { code: string; message: string } | null;
  log_lines: number;
}

export interface JobLogLine {
  seq: number;
  at: string;
  line: string;
}

export type JobFollowEvent = { type: 'log'; seq: number; at: string; line: string } | { type: 'job'; job: JobInfo } | { type: 'end'; job: JobInfo };

export interface JobTypeInfo {
  type: string;
  description: string;
  params_schema: Record<string, unknown>;
  max_attempts: number;
  admin_only: boolean;
}

export interface JobQuery {
  owner?: string;
  state?: JobState;
  type?: string;
  limit?: number;
  before?: string;
}

export function isFinished(job: Pick<JobInfo, 'state'>): boolean {
  return job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled';
}

const jobPath = (id: string) => `/api/v1/jobs/${encodeURIComponent(id)}`;

export async function createJob(client: ModaClient, type: string, params: Record<string, unknown>, options: { signal?: AbortSignal } = {}): Promise<JobInfo> {
  return client.requestJson<JobInfo>('/api/v1/jobs', { method: 'POST', json: { type, params }, signal: options.signal, what: `creating a ${type} job` });
}

export async function listJobs(client: ModaClient, query: JobQuery = {}, options: { signal?: AbortSignal } = {}): Promise<JobInfo[]> {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, String(value));
  const text = search.toString();
  return (await client.requestJson<{ jobs: JobInfo[] }>(`/api/v1/jobs${text ? `?${text}` : ''}`, { signal: options.signal, what: 'listing jobs' })).jobs;
}

export async function getJob(client: ModaClient, id: string, options: { signal?: AbortSignal } = {}): Promise<JobInfo> {
  return client.requestJson<JobInfo>(jobPath(id), { signal: options.signal, what: `reading job ${id}` });
}

export async function cancelJob(client: ModaClient, id: string): Promise<JobInfo> {
  return client.requestJson<JobInfo>(`${jobPath(id)}/cancel`, { method: 'POST', what: `cancelling job ${id}` });
}

export async function retryJob(client: ModaClient, id: string): Promise<JobInfo> {
  return client.requestJson<JobInfo>(`${jobPath(id)}/retry`, { method: 'POST', what: `retrying job ${id}` });
}

export async function listJobTypes(client: ModaClient): Promise<JobTypeInfo[]> {
  return (await client.requestJson<{ types: JobTypeInfo[] }>('/api/v1/job-types', { what: 'listing job types' })).types;
}

export async function jobLogs(client: ModaClient, id: string, options: { after?: number; limit?: number; signal?: AbortSignal } = {}): Promise<{ job: JobInfo; lines: JobLogLine[] }> {
  const search = new URLSearchParams();
  if (options.after !== undefined) search.set('after', String(options.after));
  if (options.limit !== undefined) search.set('limit', String(options.limit));
  const text = search.toString();
  return client.requestJson(`${jobPath(id)}/logs${text ? `?${text}` : ''}`, { signal: options.signal, what: `reading the log of job ${id}` });
}

/** Follows a job (NDJSON): its log lines and its record as it changes, until an `end` event. */
export async function* followJob(client: ModaClient, id: string, options: { after?: number; signal?: AbortSignal } = {}): AsyncGenerator<JobFollowEvent, void, undefined> {
  const response = await client.request(`${jobPath(id)}/logs?follow=1${options.after ? `&after=${options.after}` : ''}`, { signal: options.signal, what: `following job ${id}` });
  // A reader rather than `for await` over the stream: Safari's ReadableStream is not async-iterable.
  const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const parse = (line: string): JobFollowEvent | undefined => {
    if (line.trim() === '') return undefined;
    const event = JSON.parse(line) as JobFollowEvent | { type: 'error'; error: { code: string; message: string } };
    if (event.type === 'error') throw new ModaError(event.error.code in errorCatalog ? (event.error.code as ErrorCode) : 'INTERNAL', event.error.message);
    return event;
  };
  try {
    for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader?.read()) {
      buffer += chunk.value;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const event = parse(line);
        if (event) yield event;
      }
    }
  } finally {
    await reader?.cancel().catch(() => undefined);
  }
  const last = parse(buffer);
  if (last) yield last;
}
