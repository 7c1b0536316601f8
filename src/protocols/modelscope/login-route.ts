// `POST /api/v1/login {AccessToken}`: the SDK trades a token for the `m_session_id` cookie it sends
// on every later call, and keeps `Data.AccessToken` as its git token. Here the cookie is the Moda
// token itself, so a login creates no server-side session to expire or revoke separately.
import type { FastifyInstance } from 'fastify';
import { authenticate } from '../../hub/actor.js';
import { getNamespace } from '../../hub/accounts/users.js';
import { recordAuditEvent } from '../../hub/audit/record-audit-event.js';
import type { HubContext } from '../../hub/context.js';
import { ok } from './envelope.js';
import { sessionCookie } from './session-actor.js';
import { jsonBody, requiredString } from './wire-fields.js';

export function registerLoginRoute(app: FastifyInstance, hub: HubContext): void {
  app.post('/login', async (request, reply) => {
    const token = requiredString(jsonBody(request.body), 'AccessToken').trim();
    const actor = await authenticate(hub, token);
    const user = await getNamespace(hub, actor.user ?? '');
    await recordAuditEvent(hub, actor, 'auth.login', user.name, { via: 'modelscope' });
    reply.header('set-cookie', sessionCookie(token, hub.config.publicUrl.startsWith('https:')));
    return ok(request, { AccessToken: token, Username: user.name, Email: user.email ?? '' });
  });
}
