// `GET /api/whoami-v2`: clients call it to validate a token and learn the user's organizations.
import type { FastifyInstance } from 'fastify';
import { requireUser } from '../../hub/actor.js';
import type { HubContext } from '../../hub/context.js';
import { getNamespace } from '../../hub/accounts/users.js';
import { accessTokenInfo } from '../../hub/accounts/access-token-info.js';

export function registerWhoamiRoute(app: FastifyInstance, hub: HubContext): void {
  app.get('/api/whoami-v2', async (request) => {
    const user = requireUser(request.actor);
    const info = await getNamespace(hub, user);
    const orgs = await Promise.all(
      [...request.actor.orgs.entries()].map(async ([org, role]) => {
        const details = await getNamespace(hub, org);
        return { type: 'org', name: org, fullname: details.fullname, roleInOrg: role };
      }),
    );
    return {
      type: 'user',
      id: info.name,
      name: info.name,
      fullname: info.fullname,
      email: info.email,
      emailVerified: info.email !== null,
      isPro: false,
      canPay: false,
      isAdmin: info.isAdmin,
      orgs,
      auth: await accessTokenInfo(hub, request.actor),
    };
  });
}
