// What operators and tools read about a running server: Prometheus metrics, liveness, readiness
// (start-up done, every required deployment loaded, not draining), and the OpenAPI document.
import type { FastifyInstance } from 'fastify';
import { apiDocsPage } from '../../server/api-docs-page.js';
import { registerMetrics } from '../../server/metrics.js';
import { hidePrivateModels } from '../../server/hide-private-models.js';
import { isSiteAdmin } from '../../hub/actor.js';
import type { HubContext } from '../../hub/context.js';
import { openApiJson } from '../../server/openapi.js';
import type { ModelCache } from '../../serve/model-cache.js';

export interface Readiness {
  ready: boolean;
  /** What is still missing, e.g. deployments not loaded yet; shown in the 503 answer. */
  waiting: string[];
}

export type ReadinessCheck = () => Readiness | Promise<Readiness>;

// Keyed by the HTTP server, which the app and all its encapsulated plugin scopes share, so a check
// set from inside a plugin reaches the root's /readyz.
const readinessChecks = new WeakMap<object, ReadinessCheck>();

// Servers shutting down (SIGTERM): /readyz answers 503 so that load balancers stop sending.
const drainingServers = new WeakSet<object>();

/** From now on /readyz answers 503 `draining`; requests are still served (graceful-shutdown.ts). */
export function markDraining(app: FastifyInstance): void {
  drainingServers.add(app.server);
}

export function isDraining(app: FastifyInstance): boolean {
  return drainingServers.has(app.server);
}

/** Makes /readyz answer 200 only when `check` says ready (after start-up); replaces any earlier check. */
export function setReadinessCheck(app: FastifyInstance, check: ReadinessCheck): void {
  readinessChecks.set(app.server, check);
}

/** `hub` answers which models are private: callers without an admin token see those summed, unnamed. */
export function registerObservabilityRoutes(app: FastifyInstance, models: ModelCache, hub?: HubContext): void {
  const registry = registerMetrics(app, models);

  let started = false;
  app.addHook('onReady', async () => {
    started = true;
  });

  app.get('/metrics', async (request, reply) => {
    reply.header('cache-control', 'no-store').type(registry.contentType);
    const text = await registry.metrics();
    return hub === undefined || isSiteAdmin(request.actor) ? text : hidePrivateModels(hub, text);
  });

  // Liveness only says the event loop answers: a replica that is draining or still loading is alive.
  app.get('/livez', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { status: 'ok' };
  });

  app.get('/readyz', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    const check = readinessChecks.get(app.server);
    const readiness: Readiness = drainingServers.has(app.server)
      ? { ready: false, waiting: ['draining'] }
      : !started
        ? { ready: false, waiting: ['start-up'] }
        : check
          ? await check()
          : { ready: true, waiting: [] };
    if (readiness.ready) return { status: 'ready' };
    return reply.code(503).send({ status: 'waiting', waiting: readiness.waiting });
  });

  app.get('/openapi.json', async (_request, reply) => {
    reply.type('application/json; charset=utf-8');
    return openApiJson();
  });

  const docs = apiDocsPage();
  app.get('/docs', async (_request, reply) => {
    reply.header('content-security-policy', docs.contentSecurityPolicy).type('text/html; charset=utf-8');
    return docs.html;
  });
}
