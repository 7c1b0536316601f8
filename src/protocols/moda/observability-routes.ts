// What operators and tools read about a running server: Prometheus metrics, readiness (start-up done
// and every required deployment loaded), and the OpenAPI document with its /docs page.
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

  app.get('/readyz', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    const check = readinessChecks.get(app.server);
    const readiness: Readiness = !started ? { ready: false, waiting: ['start-up'] } : check ? await check() : { ready: true, waiting: [] };
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
