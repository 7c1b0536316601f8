// The ModelScope v1 API (what the `modelscope` Python SDK calls) as a thin adapter over the hub
// services, mounted under /api/v1. Every answer, errors and unknown routes included, is a ModelScope
// envelope; the `m_session_id` cookie authenticates like a bearer token.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import type { ErrorEnvelope } from '../../server/error-reply.js';
import { registerCommitRoute } from './commit-route.js';
import { registerCreateDatasetRoute } from './create-dataset-route.js';
import { registerDownloadRoutes } from './download-route.js';
import { registerLoginRoute } from './login-route.js';
import { registerOpenApiRoutes } from './openapi-routes.js';
import { registerReadRoutes } from './read-routes.js';
import { registerRepoWriteRoutes } from './repo-write-routes.js';
import { registerSettingsRoutes } from './settings-routes.js';
import { refuseCrossSiteWrite } from '../../server/cross-site-guard.js';
import { sessionActor, usesSessionCookie } from './session-actor.js';
import { registerUploadRoutes } from './upload-routes.js';

const ENVELOPE: { envelope: ErrorEnvelope } = { envelope: 'modelscope' };

/**
 * `secret` signs upload hrefs; without it a per-process key is used, and uploads to another
 * process of a cluster fall back to the session cookie the SDK sends with every PUT.
 */
export function registerModelScopeRoutes(app: FastifyInstance, hub: HubContext, baseUrl: (request: FastifyRequest) => string, secret?: string): void {
  const signingKey = secret ?? randomBytes(32).toString('hex');
  void app.register(
    async (scope) => {
      scope.addHook('onRoute', (route) => {
        route.config = { ...route.config, ...ENVELOPE };
      });
      scope.addHook('onRequest', async (request) => {
        if (usesSessionCookie(request)) refuseCrossSiteWrite(request, 'cookie', hub.config);
        request.actor = await sessionActor(hub, request);
      });
      // The SDK posts `data=json.dumps(…)` without a Content-Type; such bodies are parsed as JSON later.
      scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, text, done) => done(null, text));
      // JSON too is parsed later (jsonBody), so a DELETE that says application/json and sends no body
      // (delete_model, delete_files, the 1.38 dataset delete) is not refused before its handler runs.
      scope.removeContentTypeParser('application/json');
      scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => done(null, text));
      // Fastify's typings omit `config` here, though it becomes the 404 route's config.
      const notFoundOptions: object = { config: ENVELOPE };
      scope.setNotFoundHandler(notFoundOptions, async (request) => {
        throw new ModaError('NOT_FOUND', `no ModelScope route for ${request.method} ${request.url.split('?')[0]}`);
      });

      registerLoginRoute(scope, hub);
      registerReadRoutes(scope, hub);
      registerDownloadRoutes(scope, hub);
      registerRepoWriteRoutes(scope, hub);
      registerSettingsRoutes(scope, hub);
      registerCreateDatasetRoute(scope, hub);
      registerUploadRoutes(scope, hub, signingKey, baseUrl);
      registerCommitRoute(scope, hub);
    },
    { prefix: '/api/v1' },
  );
  void app.register(
    async (scope) => {
      scope.addHook('onRoute', (route) => {
        route.config = { ...route.config, ...ENVELOPE };
      });
      scope.addHook('onRequest', async (request) => {
        request.actor = await sessionActor(hub, request);
      });
      registerOpenApiRoutes(scope, hub);
    },
    { prefix: '/openapi/v1' },
  );
}
