// What the job benchmarks (jobs, tune) share: JSON calls to the API with the server's admin token,
// following a job until a condition holds, and sampling `GET /api/models/{id}` latency on one
// keep-alive connection.
import { keepAliveAgent, timedGet } from './http-get.js';
import type { ModaServer } from './moda-server.js';

export type JobRecord = Record<string, unknown>;

/** The socket errors of a pooled keep-alive connection the server had already closed. */
const STALE_SOCKET = new Set(['UND_ERR_SOCKET', 'ECONNRESET']);

export async function api(moda: ModaServer, path: string, body?: unknown): Promise<JobRecord> {
  const call = () =>
    fetch(`${moda.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${moda.token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  let response: Response;
  try {
    response = await call();
  } catch (error) {
    // After a part that held this process's thread for a long time (a baseline run in process on a
    // loaded machine), the first call can go out on a pooled connection the server closed meanwhile,
    // before the pool's own idle timer ran: the server never read it, so it is sent once more.
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    if (typeof code !== 'string' || !STALE_SOCKET.has(code)) throw error;
    response = await call();
  }
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as JobRecord;
}

export const jobEnded = (job: JobRecord): boolean => ['succeeded', 'failed', 'cancelled'].includes(String(job.state));

/** Polls the job every `pollMs` until `until(job)`; throws with the last record after `timeoutMs`. */
export async function waitForJob(moda: ModaServer, id: string, until: (job: JobRecord) => boolean, options: { timeoutMs?: number; pollMs?: number } = {}): Promise<JobRecord> {
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  for (;;) {
    const job = await api(moda, `/api/v1/jobs/${id}`);
    if (until(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id}: ${JSON.stringify(job).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 20));
  }
}

/** `requests` timed repo-info GETs of `repo`, after 20 unmeasured ones. */
export async function sampleRepoInfo(moda: ModaServer, repo: string, requests: number): Promise<number[]> {
  const agent = keepAliveAgent();
  const samples: number[] = [];
  try {
    for (let index = 0; index < requests + 20; index++) {
      const response = await timedGet(`${moda.url}/api/models/${repo}`, agent, { authorization: `Bearer ${moda.token}` });
      if (response.status !== 200) throw new Error(`repo info: ${response.status}`);
      if (index >= 20) samples.push(response.ms);
    }
  } finally {
    agent.destroy();
  }
  return samples;
}
