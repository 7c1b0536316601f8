// Turns the credentials of a request into an Actor: `Authorization: Bearer <token>` (Hugging Face,
// OpenAI clients) or Basic with the token as password (git, git-lfs). An invalid token is a 401, never
// a silent downgrade to anonymous.
import type { FastifyRequest } from 'fastify';
import { anonymous, authenticate, type Actor } from '../hub/actor.js';
import type { HubContext } from '../hub/context.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
  }
}

export function tokenFromRequest(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer') return value.trim() || undefined;
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return (colon >= 0 ? decoded.slice(colon + 1) : decoded) || undefined;
  }
  return undefined;
}

export async function actorOf(hub: HubContext, request: FastifyRequest): Promise<Actor> {
  const token = tokenFromRequest(request);
  return token ? authenticate(hub, token) : anonymous;
}
