// Moda's own account API: users (admin only), organizations and their members, access tokens.
import type { FastifyInstance } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import type { MemberRole, TokenRole } from '../../db/schema.js';
import type { HubContext } from '../../hub/context.js';
import { canReadNamespace, isSiteAdmin } from '../../hub/actor.js';
import { createToken, listTokens, revokeToken } from '../../hub/accounts/tokens.js';
import { createOrganization, createUser, getNamespace, listMembers, removeMember, setMember } from '../../hub/accounts/users.js';

type Body = Record<string, unknown>;

function body(value: unknown): Body {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ModaError('VALIDATION_FAILED', 'the body must be a JSON object');
  return value as Body;
}

function text(value: Body, key: string, required: true): string;
function text(value: Body, key: string, required?: false): string | undefined;
function text(value: Body, key: string, required = false): string | undefined {
  const field = value[key];
  if (field === undefined || field === null) {
    if (required) throw new ModaError('VALIDATION_FAILED', `${key} is required`);
    return undefined;
  }
  if (typeof field !== 'string') throw new ModaError('VALIDATION_FAILED', `${key} must be a string`);
  return field;
}

export function registerAccountRoutes(app: FastifyInstance, hub: HubContext): void {
  app.post('/api/tokens', async (request, reply) => {
    const input = body(request.body);
    const token = await createToken(hub, request.actor, {
      name: text(input, 'name', true),
      role: (text(input, 'role') ?? 'read') as TokenRole,
      user: text(input, 'user'),
      expiresIn: text(input, 'expiresIn'),
      expiresAt: text(input, 'expiresAt'),
      repos: input.repos,
    });
    reply.code(201);
    return token;
  });
  app.get('/api/tokens', async (request) => listTokens(hub, request.actor, (request.query as { user?: string }).user));
  app.delete('/api/tokens/:id', async (request) => {
    await revokeToken(hub, request.actor, (request.params as { id: string }).id);
    return {};
  });

  app.post('/api/users', async (request, reply) => {
    const input = body(request.body);
    const user = await createUser(hub, request.actor, { name: text(input, 'name', true), fullname: text(input, 'fullname'), email: text(input, 'email') });
    reply.code(201);
    return user;
  });
  app.get('/api/users/:name/overview', async (request) => {
    const user = await getNamespace(hub, (request.params as { name: string }).name);
    // An email is for its owner and site admins only.
    if (request.actor.user === user.name || isSiteAdmin(request.actor)) return user;
    const { email: _email, ...rest } = user;
    return rest;
  });

  app.post('/api/organizations', async (request, reply) => {
    const input = body(request.body);
    const org = await createOrganization(hub, request.actor, { name: text(input, 'name', true), fullname: text(input, 'fullname') });
    reply.code(201);
    return org;
  });
  app.get('/api/organizations/:org/members', async (request) => {
    const org = (request.params as { org: string }).org;
    // Who belongs to an organization is for its members (and site admins) unless MODA_PUBLIC_ORG_MEMBERS.
    if (!hub.config.publicOrgMembers && !canReadNamespace(request.actor, org)) throw new ModaError('AUTH_FORBIDDEN', "only an organization's members may list its members");
    return listMembers(hub, org);
  });
  app.put('/api/organizations/:org/members/:user', async (request) => {
    const params = request.params as { org: string; user: string };
    const role = text(body(request.body), 'role', true) as MemberRole;
    await setMember(hub, request.actor, params.org, params.user, role);
    return { user: params.user, role };
  });
  app.delete('/api/organizations/:org/members/:user', async (request) => {
    const params = request.params as { org: string; user: string };
    await removeMember(hub, request.actor, params.org, params.user);
    return {};
  });
}
