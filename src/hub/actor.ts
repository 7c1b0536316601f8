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
}

export const anonymous: Actor = { user: null, tokenRole: null, tokenId: null, isAdmin: false, orgs: new Map() };

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function authenticate(hub: HubContext, token: string | undefined): Promise<Actor> {
  if (!token) return anonymous;
  const hash = hashToken(token);
  const cached = hub.caches.actors.get(hash);
  if (cached) return cached;
  const row = await hub.db
    .selectFrom('tokens')
    .innerJoin('users', 'users.name', 'tokens.user')
    .select(['tokens.id', 'tokens.user', 'tokens.role', 'users.is_admin'])
    .where('tokens.hash', '=', hash)
    .executeTakeFirst();
  if (!row) throw new ModaError('AUTH_INVALID_TOKEN');
  await touchToken(hub, row.id);
  const memberships = await hub.db.selectFrom('memberships').select(['org', 'role']).where('user', '=', row.user).execute();
  const actor: Actor = {
    user: row.user,
    tokenRole: row.role,
    tokenId: row.id,
    isAdmin: row.is_admin === 1,
    orgs: new Map(memberships.map((membership) => [membership.org, membership.role])),
  };
  hub.caches.actors.set(hash, actor);
  return actor;
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
  return actor.isAdmin && actor.tokenRole === 'admin';
}

export function canWriteTokens(actor: Actor): boolean {
  return actor.tokenRole === 'write' || actor.tokenRole === 'admin';
}

/** Read access to a namespace's private content: its owner, its org members, site admins. */
export function canReadNamespace(actor: Actor, namespace: string): boolean {
  if (actor.user === null) return false;
  return actor.isAdmin || actor.user === namespace || actor.orgs.has(namespace);
}

export function canWriteNamespace(actor: Actor, namespace: string): boolean {
  if (actor.user === null || !canWriteTokens(actor)) return false;
  if (isSiteAdmin(actor) || actor.user === namespace) return true;
  const role = actor.orgs.get(namespace);
  return role === 'admin' || role === 'write';
}

export function canAdminNamespace(actor: Actor, namespace: string): boolean {
  if (actor.user === null || !canWriteTokens(actor)) return false;
  return isSiteAdmin(actor) || actor.user === namespace || actor.orgs.get(namespace) === 'admin';
}

export function requireUser(actor: Actor): string {
  if (actor.user === null) throw new ModaError('AUTH_REQUIRED');
  return actor.user;
}

export function requireWriteToken(actor: Actor): string {
  const user = requireUser(actor);
  if (!canWriteTokens(actor)) throw new ModaError('AUTH_FORBIDDEN', 'this token is read-only');
  return user;
}
