// ModelScope clients authenticate with the `m_session_id` cookie that /api/v1/login sets (its value
// is a Moda token). The app-wide hook reads only `Authorization`, so the ModelScope routes resolve
// the cookie themselves; an explicit Authorization header always wins.
import type { FastifyRequest } from 'fastify';
import { authenticate, type Actor } from '../../hub/actor.js';
import type { HubContext } from '../../hub/context.js';

export const SESSION_COOKIE = 'm_session_id';

/** The session token in a Cookie header, or undefined. */
export function sessionToken(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const pair of cookieHeader.split(';')) {
    const equals = pair.indexOf('=');
    if (equals < 0 || pair.slice(0, equals).trim() !== SESSION_COOKIE) continue;
    const raw = pair.slice(equals + 1).trim().replace(/^"(.*)"$/, '$1');
    try {
      return decodeURIComponent(raw) || undefined;
    } catch {
      return raw || undefined;
    }
  }
  return undefined;
}

/** A stale or revoked cookie is a 401 like a bad bearer token, never a silent downgrade. */
export async function sessionActor(hub: HubContext, request: FastifyRequest): Promise<Actor> {
  if (request.headers.authorization !== undefined) return request.actor;
  const token = sessionToken(request.headers.cookie);
  return token === undefined ? request.actor : authenticate(hub, token);
}

/** Whether the request authenticates with the session cookie (no Authorization header wins over it). */
export function usesSessionCookie(request: FastifyRequest): boolean {
  return request.headers.authorization === undefined && sessionToken(request.headers.cookie) !== undefined;
}

/**
 * `Set-Cookie` value that /api/v1/login answers with. SameSite=Lax keeps other sites' pages from
 * sending it with their requests (the SDK is no browser and does not care); Secure behind https.
 */
export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; HttpOnly; Path=/; SameSite=Lax${secure ? '; Secure' : ''}`;
}
