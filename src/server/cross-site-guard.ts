// Refuses cross-site request forgery. Browsers attach cookies (ModelScope's `m_session_id`) and
// cached Basic credentials to requests that any page can make: an HTML form or a `no-cors` fetch can
// POST `text/plain`, `application/x-www-form-urlencoded` or `multipart/form-data` (or no type at all)
// without a CORS preflight. Such a write counts only when its `Origin` is this server or a configured
// CORS origin. Bearer tokens are never sent by a browser on its own, so they are not checked.
import type { FastifyRequest } from 'fastify';
import { ModaError } from '../errors/moda-error.js';
import { hostnameOf } from './allowed-hosts.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes a form-able body (multipart) from non-browser clients, which send no Origin. */
    formBody?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// The content types a page may send cross-origin without a preflight (the Fetch standard's
// CORS-safelisted request-header rule for Content-Type).
const FORMABLE_TYPES = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

/** Credentials a browser attaches by itself: a session cookie or the Basic auth it cached. */
export type AmbientCredential = 'cookie' | 'basic';

export function isBasicAuthorization(request: FastifyRequest): boolean {
  return /^basic\s/i.test(request.headers.authorization ?? '');
}

function sameSite(origin: string, request: FastifyRequest, publicUrl: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (publicUrl && parsed.origin === new URL(publicUrl).origin) return true;
  // The Host was checked against the allowed names (allowed-hosts.ts); the scheme is left out since a
  // TLS-terminating proxy makes the browser's https the server's http.
  const host = request.headers.host;
  return host !== undefined && parsed.host === host.toLowerCase() && hostnameOf(parsed.host) === hostnameOf(host);
}

/**
 * Throws CROSS_SITE_REQUEST_REFUSED for a write that carries ambient credentials and could have
 * come from another site's page.
 */
export function refuseCrossSiteWrite(request: FastifyRequest, credential: AmbientCredential, options: { publicUrl: string; corsOrigins: readonly string[] }): void {
  if (SAFE_METHODS.has(request.method)) return;
  const origin = request.headers.origin;
  if (origin !== undefined && (options.corsOrigins.includes(origin) || sameSite(origin, request, options.publicUrl))) return;
  const type = (request.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
  // Browsers send Origin with every cross-origin write, so a request without one is no other page's.
  // A form-able body still needs a matching Origin (a missing one may have been stripped), unless the
  // route's own non-browser clients post forms (ModelScope's create_dataset) or bodies without a type.
  // A foreign Origin is refused whatever the type: a browser sends a preflighted type only after a
  // CORS preflight, and that grants credentials to configured origins only.
  if (origin === undefined && (type === '' || !FORMABLE_TYPES.has(type) || request.routeOptions.config.formBody === true)) return;
  throw new ModaError('CROSS_SITE_REQUEST_REFUSED', `refused a ${credential === 'cookie' ? 'cookie' : 'Basic'}-authenticated ${request.method} from ${origin === undefined ? 'a request without Origin' : `origin ${origin}`} with ${type === '' ? 'no Content-Type' : `Content-Type ${type}`}: it must come from this site or carry an Authorization: Bearer token`);
}
