// Gives hub services the client address and request id of the request they serve, for the audit
// log; and records failed sign-ins, which end in an error before any service could.
import type { FastifyInstance } from 'fastify';
import { auditContext } from '../hub/audit/audit-context.js';
import { recordAuditEvent } from '../hub/audit/record-audit-event.js';
import type { HubContext } from '../hub/context.js';

const SIGN_IN_ROUTES = new Set(['POST /api/v1/login']);

export function registerAuditRequestContext(app: FastifyInstance, hub: HubContext): void {
  // preHandler, not onRequest: body parsing would leave the async context (as in metrics.ts).
  app.addHook('preHandler', (request, _reply, done) => {
    auditContext.run({ address: request.ip, requestId: request.id }, done);
  });
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode !== 401 || !SIGN_IN_ROUTES.has(`${request.method} ${request.routeOptions.url ?? ''}`)) return;
    await recordAuditEvent(hub, null, 'auth.login_failed', null, { code: String(reply.getHeader('x-error-code') ?? '') }, { address: request.ip, requestId: request.id }).catch((error: unknown) =>
      request.log.error({ err: error }, 'audit log write failed'),
    );
  });
}
