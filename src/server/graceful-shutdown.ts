// Drains a server before it stops (SIGTERM from an orchestrator or a rolling restart): /readyz turns
// 503 at once, requests keep being served for `delayMs` with `Connection: close` (so load balancers
// holding keep-alive connections see them end cleanly after an answer rather than reset under a
// request), then the listener closes and the process waits for requests in flight (uploads, git
// pushes) for at most `timeoutMs`. Measured through nginx (reference/cluster.md): with keep-alive
// upstreams a draining replica only ends once its idle connections are closed, hence the sweep.
import type { FastifyInstance } from 'fastify';
import { markDraining } from '../protocols/moda/observability-routes.js';

export async function drainServer(app: FastifyInstance, options: { delayMs: number; timeoutMs: number }): Promise<{ timedOut: boolean }> {
  markDraining(app);
  if (options.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
  const server = app.server;
  if (!server.listening) return { timedOut: false };
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // A connection becomes idle when its last answer ends (a git transfer written past Fastify's
  // hooks does not carry `Connection: close`): close those as they appear.
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), options.timeoutMs)));
  try {
    return { timedOut: await Promise.race([closed.then(() => false), timedOut]) };
  } finally {
    clearInterval(sweep);
    clearTimeout(timer);
  }
}
