// One pass of a fixed set of requests through a model's route, the way an evaluation job sends its
// samples: `clients` closed-loop clients share the list (each takes the next body when its last
// answer arrives) until every body has been sent once, timed from the first request to the last
// answer. Its span has what a job's sample loop has — the ramp from idle connections and the drain
// as fewer and fewer requests stay in flight — so a job compared with it is compared like with like;
// bench/lib/serving-load.ts measures a steady-state window instead. Run as its own process, as the
// serving load generator is, so client work never shares the server's event loop.
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runChecked } from './child-process.js';
import { quantile } from './stats.js';

export interface PassPlan {
  url: string;
  /** Each sent exactly once, in this order. */
  bodies: string[];
  contentType: string;
  clients: number;
}

export interface PassReport {
  /** Answers by HTTP status ("error" for socket errors). */
  statuses: Record<string, number>;
  /** 2xx answers over the pass's seconds. */
  throughput: number;
  /** First request sent to last answer received. */
  seconds: number;
  p50Ms: number;
  /** This client process's CPU (user + system) over the pass, per request sent. */
  cpuMsPerRequest: number;
}

function post(agent: Agent, url: URL, body: Buffer, contentType: string): Promise<{ status: number | 'error'; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const outgoing = request(url, { method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': body.length } }, (response) => {
      response.on('data', () => undefined);
      response.on('end', () => resolve({ status: response.statusCode ?? 0, ms: performance.now() - started }));
      response.on('error', () => resolve({ status: 'error', ms: performance.now() - started }));
    });
    outgoing.on('error', () => resolve({ status: 'error', ms: performance.now() - started }));
    outgoing.end(body);
  });
}

async function pass(plan: PassPlan): Promise<PassReport> {
  // Read before the clock starts: the job's reads are its own cost, not the server's.
  const bodies = await Promise.all(plan.bodies.map((path) => readFile(path)));
  const url = new URL(plan.url);
  const agent = new Agent({ keepAlive: true, maxSockets: plan.clients });
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let next = 0;
  const begin = performance.now();
  const cpuBefore = process.cpuUsage();
  let end = begin;
  const client = async () => {
    while (next < bodies.length) {
      const answer = await post(agent, url, bodies[next++]!, plan.contentType);
      end = performance.now();
      statuses[String(answer.status)] = (statuses[String(answer.status)] ?? 0) + 1;
      if (typeof answer.status === 'number' && answer.status >= 200 && answer.status < 300) latencies.push(answer.ms);
    }
  };
  await Promise.all(Array.from({ length: plan.clients }, client));
  const cpu = process.cpuUsage(cpuBefore);
  agent.destroy();
  const seconds = (end - begin) / 1000;
  return { statuses, throughput: latencies.length / Math.max(seconds, 1e-3), seconds, p50Ms: latencies.length > 0 ? quantile(latencies, 0.5) : 0, cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / Math.max(1, bodies.length) };
}

const self = fileURLToPath(import.meta.url);

/** Runs one pass in a separate node process and returns its report. */
export async function runPass(plan: PassPlan, repoRoot: string): Promise<PassReport> {
  const result = await runChecked(process.execPath, ['--import', 'tsx', self, JSON.stringify(plan)], { cwd: repoRoot, timeoutMs: 900_000 });
  return JSON.parse(result.stdout) as PassReport;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${JSON.stringify(await pass(JSON.parse(process.argv[2] ?? '{}') as PassPlan))}\n`);
}
