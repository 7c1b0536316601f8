// The serving benchmark's load generator, run as its own process so client work never shares the
// server's event loop: closed-loop clients (each sends its next request when its last answer
// arrives) or an open-loop rate, POSTing raw image bodies over keep-alive connections, and a JSON
// report of answers by status with latency percentiles. `runLoad` spawns it and reads the report.
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runChecked } from './child-process.js';
import { quantile } from './stats.js';

export interface LoadPlan {
  url: string;
  /** Files sent as bodies in turn (request i sends bodies[i % length]). */
  bodies: string[];
  contentType: string;
  /** Closed loop: this many concurrent clients, one request in flight each. */
  clients?: number;
  /** Open loop: requests per second, sent on schedule whether or not earlier ones were answered. */
  rate?: number;
  /**
   * Closed loop only: after a 429 carrying Retry-After, a client waits that long before its next
   * request, as well-behaved clients do; otherwise it retries at once.
   */
  honourRetryAfter?: boolean;
  /** Unmeasured time first (models warm, queues reach their steady state). */
  warmupSeconds: number;
  seconds: number;
}

export interface LoadReport {
  /** Answers that arrived inside the measured window, by HTTP status ("error" for socket errors). */
  statuses: Record<string, number>;
  /** 2xx answers per second over the measured window. */
  throughput: number;
  /** Latency of the 2xx answers in the window, request start to last byte. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Requests still unanswered when the window closed (abandoned: the process exits). */
  inFlight: number;
}

interface Answer {
  status: number | 'error';
  ms: number;
  /** Retry-After of the answer, in ms, when it had one. */
  retryAfterMs?: number;
}

function retryAfterMs(header: string | undefined): number | undefined {
  const seconds = header === undefined ? Number.NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

function post(agent: Agent, url: URL, body: Buffer, contentType: string): Promise<Answer> {
  return new Promise((resolve) => {
    const started = performance.now();
    const outgoing = request(url, { method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': body.length } }, (response) => {
      response.on('data', () => undefined);
      response.on('end', () => {
        const retryAfter = retryAfterMs(response.headers['retry-after']);
        resolve({ status: response.statusCode ?? 0, ms: performance.now() - started, ...(retryAfter !== undefined && { retryAfterMs: retryAfter }) });
      });
      response.on('error', () => resolve({ status: 'error', ms: performance.now() - started }));
    });
    outgoing.on('error', () => resolve({ status: 'error', ms: performance.now() - started }));
    outgoing.end(body);
  });
}

async function generate(plan: LoadPlan): Promise<LoadReport> {
  const bodies = await Promise.all(plan.bodies.map((path) => readFile(path)));
  const url = new URL(plan.url);
  const agent = new Agent({ keepAlive: true, maxSockets: plan.clients ?? 4096 });
  const begin = performance.now();
  const windowStart = begin + plan.warmupSeconds * 1000;
  const windowEnd = windowStart + plan.seconds * 1000;
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let sent = 0;
  let inFlight = 0;
  const send = async (): Promise<Answer> => {
    const body = bodies[sent++ % bodies.length]!;
    inFlight++;
    const answer = await post(agent, url, body, plan.contentType);
    inFlight--;
    const now = performance.now();
    if (now < windowStart || now > windowEnd) return answer;
    statuses[String(answer.status)] = (statuses[String(answer.status)] ?? 0) + 1;
    if (typeof answer.status === 'number' && answer.status >= 200 && answer.status < 300) latencies.push(answer.ms);
    return answer;
  };
  if (plan.rate !== undefined) {
    const interval = 1000 / plan.rate;
    for (let next = begin; next < windowEnd; next += interval) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      void send();
    }
  } else {
    const client = async () => {
      while (performance.now() < windowEnd) {
        const answer = await send();
        const wait = plan.honourRetryAfter && answer.status === 429 ? Math.min(answer.retryAfterMs ?? 0, windowEnd - performance.now()) : 0;
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    };
    await Promise.race([Promise.all(Array.from({ length: plan.clients ?? 1 }, client)), new Promise((resolve) => setTimeout(resolve, windowEnd - begin))]);
  }
  const remaining = windowEnd - performance.now();
  if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
  const ok = latencies.length;
  return {
    statuses,
    throughput: ok / plan.seconds,
    p50Ms: ok > 0 ? quantile(latencies, 0.5) : 0,
    p99Ms: ok > 0 ? quantile(latencies, 0.99) : 0,
    maxMs: ok > 0 ? Math.max(...latencies) : 0,
    inFlight,
  };
}

const self = fileURLToPath(import.meta.url);

/** Runs one load in a separate node process and returns its report. */
export async function runLoad(plan: LoadPlan, repoRoot: string): Promise<LoadReport> {
  const timeoutMs = (plan.warmupSeconds + plan.seconds + 60) * 1000;
  const result = await runChecked(process.execPath, ['--import', 'tsx', self, JSON.stringify(plan)], { cwd: repoRoot, timeoutMs });
  return JSON.parse(result.stdout) as LoadReport;
}

/** Count of answers with a status in [from, to). */
export function countStatuses(report: LoadReport, from: number, to: number): number {
  return Object.entries(report.statuses).reduce((sum, [status, count]) => (Number(status) >= from && Number(status) < to ? sum + count : sum), 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const report = await generate(JSON.parse(process.argv[2] ?? '{}') as LoadPlan);
  process.stdout.write(`${JSON.stringify(report)}\n`);
  // Abandoned requests would keep the process alive; the server sees their clients leave.
  process.exit(0);
}
