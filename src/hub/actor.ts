// Who is asking, and what they may do. An actor is derived from an access token (or is anonymous);
// the token's role caps the user's own rights: a read token of an admin can still only read.
import { createHash } from 'node:crypto';
import { ModaError } from '../errors/moda-error.js';
import type { MemberRole, TokenRole } from '../db/schema.js';
import type { HubContext } from './context.js';

export interface Actor {
  /** null for anonymous requests. */
  user: string | null;
  tokenRole: TokenRole | null;
  tokenId: string | null;
  isAdmin: boolean;
  orgs: Map<string, MemberRole>;
  /**
   * A fine-grained token's repos (`type:namespace/name`, lower-case): it acts only on these, with
   * the user's rights capped by its role, and is a stranger everywhere else. Absent = not limited.
   */
  repoScope?: ReadonlySet<string> | null;
  /** When the token expires (ms since the epoch); absent = never. */
  expiresAtMs?: number | null;
}

export const anonymous: Actor = { user: null, tokenRole: null, tokenId: null, isAdmin: false, orgs: new Map() };

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function authenticate(hub: HubContext, token: string | undefined): Promise<Actor> {
  if (!token) return anonymous;
  const hash = hashToken(token);
  const cached = hub.caches.actors.get(hash);
  if (cached) return refuseExpired(cached);
  const row = await hub.db
    .selectFrom('tokens')
    .innerJoin('users', 'users.name', 'tokens.user')
    .select(['tokens.id', 'tokens.user', 'tokens.role', 'tokens.expires_at', 'tokens.repo_scope', 'users.is_admin'])
    .where('tokens.hash', '=', hash)
    .executeTakeFirst();
  if (!row) throw new ModaError('AUTH_INVALID_TOKEN');
  const expiresAtMs = row.expires_at ? Date.parse(row.expires_at) : null;
  refuseExpired({ expiresAtMs });
  await touchToken(hub, row.id);
  const memberships = await hub.db.selectFrom('memberships').select(['org', 'role']).where('user', '=', row.user).execute();
  const actor: Actor = {
    user: row.user,
    tokenRole: row.role,
    tokenId: row.id,
    isAdmin: row.is_admin === 1,
    orgs: new Map(memberships.map((membership) => [membership.org, membership.role])),
    repoScope: row.repo_scope ? new Set(JSON.parse(row.repo_scope) as string[]) : null,
    expiresAtMs,
  };
  hub.caches.actors.set(hash, actor);
  return actor;
}

function refuseExpired<T extends Pick<Actor, 'expiresAtMs'>>(actor: T): T {
  if (typeof actor.expiresAtMs === 'number' && actor.expiresAtMs <= Date.now()) {
    throw new ModaError('AUTH_TOKEN_EXPIRED', `the access token expired at ${new Date(actor.expiresAtMs).toISOString()}; create a new one`);
  }
  return actor;
}

/** Whether the actor's token is limited to named repos (a fine-grained token). */
export function isScoped(actor: Actor): boolean {
  return actor.repoScope !== undefined && actor.repoScope !== null;
}

/** The key a fine-grained token names a repo by. */
export function scopeKey(type: string, key: string): string {
  return `${type}:${key.toLowerCase()}`;
}

/** The actor with its token's repo limit lifted: its rights inside a repo the token names. */
export function withinScope(actor: Actor): Actor {
  return isScoped(actor) ? { ...actor, repoScope: null } : actor;
}

const lastTouched = new Map<string, number>();
const TOUCH_INTERVAL_MS = 60_000;

/** Records when a token was last used, at most once a minute per token to keep reads write-free. */
async function touchToken(hub: HubContext, id: string): Promise<void> {
  const now = Date.now();
  if (now - (lastTouched.get(id) ?? 0) < TOUCH_INTERVAL_MS) return;
  lastTouched.set(id, now);
  await hub.db.updateTable('tokens').set({ last_used_at: new Date(now).toISOString() }).where('id', '=', id).execute();
}

/** Site administration needs an admin user holding an admin-scoped token. */
export function isSiteAdmin(actor: Actor): boolean {
  return actor.isAdmin && actor.tokenRole === 'admin' && !isScoped(actor);
}

export function canWriteTokens(actor: Actor): boolean {
  return actor.tokenRole === 'write' || actor.tokenRole === 'admin';
}

/** Read access to a namespace's private content: its owner, its org members, site admins. */
export function canReadNamespace(actor: Actor, namespace: string): boolean {
  if (actor.user === null || isScoped(actor)) return false;
  return actor.isAdmin || actor.user === namespace || actor.orgs.has(namespace);
}

export function canWriteNamespace(actor: Actor, namespace: string): boolean {
  if (actor.user === null || !canWriteTokens(actor) || isScoped(actor)) return false;
  if (isSiteAdmin(actor) || actor.user === namespace) return true;
  const role = actor.orgs.get(namespace);
  return role === 'admin' || role === 'write';
}

export function canAdminNamespace(actor: Actor, namespace: string): boolean {
  if (actor.user === null || !canWriteTokens(actor) || isScoped(actor)) return false;
  return isSiteAdmin(actor) || actor.user === namespace || actor.orgs.get(namespace) === 'admin';
}

export function requireUser(actor: Actor): string {
  if (actor.user === null) throw new ModaError('AUTH_REQUIRED');
  return actor.user;
}

export function requireWriteToken(actor: Actor): string {
  const user = requireUser(actor);
  if (!canWriteTokens(actor)) throw new ModaError('AUTH_FORBIDDEN', 'this token is read-only');
  if (isScoped(actor)) throw new ModaError('AUTH_TOKEN_SCOPE', 'this token is limited to named repositories; use a token without a repo list for this');
  return user;
}
