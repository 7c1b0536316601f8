// Helpers for the job tests: create a job, wait for a state, read its logs, through the HTTP API.
import { fileURLToPath } from 'node:url';

export const TEST_JOB_MODULE = fileURLToPath(new URL('../fixtures/jobs/test-job-types.ts', import.meta.url));

export interface JobJson {
  id: string;
  type: string;
  params: Record<string, unknown>;
  owner: string;
  state: string;
  progress: { fraction: number | null; message: string | null };
  attempts: number;
  max_attempts: number;
  started_at: string | null;
  finished_at: string | null;
  cancel_requested: boolean;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  log_lines: number;
}

type Request = (path: string, init?: RequestInit & { token?: string | null }) => Promise<Response>;

export async function createJob(request: Request, type: string, params: unknown, token?: string): Promise<JobJson> {
  const response = await request('/api/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type, params }), token });
  if (response.status !== 201) throw new Error(`creating a ${type} job: ${response.status} ${await response.text()}`);
  return (await response.json()) as JobJson;
}

export async function getJob(request: Request, id: string, token?: string): Promise<JobJson> {
  const response = await request(`/api/v1/jobs/${id}`, { token });
  if (!response.ok) throw new Error(`reading job ${id}: ${response.status} ${await response.text()}`);
  return (await response.json()) as JobJson;
}

/** Polls until `until(job)` holds; fails after `timeoutMs` with the last record. */
export async function waitForJob(request: Request, id: string, until: (job: JobJson) => boolean, timeoutMs = 180_000, token?: string): Promise<JobJson> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(request, id, token);
    if (until(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} did not get there within ${timeoutMs} ms: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const finished = (job: JobJson): boolean => ['succeeded', 'failed', 'cancelled'].includes(job.state);

export async function jobLog(request: Request, id: string, token?: string): Promise<string[]> {
  const response = await request(`/api/v1/jobs/${id}/logs`, { token });
  if (!response.ok) throw new Error(`reading the log of ${id}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { lines: { line: string }[] }).lines.map((line) => line.line);
}
