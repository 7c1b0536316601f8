// Access tokens: created with a role (read, write, admin), shown once, stored as a sha256 hash.
// Tokens carry the `hf_` prefix because @huggingface/hub refuses any other before sending it.
import { randomBytes } from 'node:crypto';
import { ModaError } from '../../errors/moda-error.js';
import type { TokenRole } from '../../db/schema.js';
import { hashToken, isSiteAdmin, requireUser, requireWriteToken, type Actor } from '../actor.js';
import type { HubContext } from '../context.js';

export interface TokenInfo {
  id: string;
  user: string;
  name: string;
  role: TokenRole;
  createdAt: string;
  lastUsedAt: string | null;
}

const ROLE_RANK: Record<TokenRole, number> = { read: 0, write: 1, admin: 2 };
export const TOKEN_ROLES = Object.keys(ROLE_RANK) as TokenRole[];

export function newTokenSecret(): string {
  return `hf_moda_${randomBytes(24).toString('base64url')}`;
}

/** Stores a token the caller already holds (used for MODA_ADMIN_TOKEN). Idempotent. */
export async function registerToken(hub: HubContext, user: string, name: string, role: TokenRole, secret: string): Promise<void> {
  const hash = hashToken(secret);
  const existing = await hub.db.selectFrom('tokens').select('id').where('hash', '=', hash).executeTakeFirst();
  if (existing) return;
  await hub.db
    .insertInto('tokens')
    .values({ id: randomBytes(12).toString('hex'), user, name, role, hash, created_at: new Date().toISOString(), last_used_at: null })
    .execute();
}

export async function createToken(
  hub: HubContext,
  actor: Actor,
  input: { name: string; role: TokenRole; user?: string },
): Promise<TokenInfo & { token: string }> {
  const self = requireWriteToken(actor);
  const owner = input.user ?? self;
  if (owner !== self && !isSiteAdmin(actor)) throw new ModaError('AUTH_FORBIDDEN', 'only an admin may create tokens for other users');
  if (!TOKEN_ROLES.includes(input.role)) throw new ModaError('VALIDATION_FAILED', `role must be one of ${TOKEN_ROLES.join(', ')}`);
  if (ROLE_RANK[input.role] > ROLE_RANK[actor.tokenRole ?? 'read']) {
    throw new ModaError('AUTH_FORBIDDEN', `a ${actor.tokenRole} token cannot create a ${input.role} token`);
  }
  const name = input.name.trim();
  if (name.length === 0 || name.length > 100) throw new ModaError('VALIDATION_FAILED', 'token name must be 1-100 characters');
  const user = await hub.db.selectFrom('users').select(['name', 'type']).where('name', '=', owner).executeTakeFirst();
  if (!user || user.type !== 'user') throw new ModaError('HUB_USER_NOT_FOUND', `no user "${owner}"`);
  const token = newTokenSecret();
  const row = {
    id: randomBytes(12).toString('hex'),
    user: owner,
    name,
    role: input.role,
    hash: hashToken(token),
    created_at: new Date().toISOString(),
    last_used_at: null,
  };
  await hub.db.insertInto('tokens').values(row).execute();
  return { ...toInfo(row), token };
}

export async function listTokens(hub: HubContext, actor: Actor, user?: string): Promise<TokenInfo[]> {
  const self = requireUser(actor);
  const owner = user ?? self;
  if (owner !== self && !isSiteAdmin(actor)) throw new ModaError('AUTH_FORBIDDEN', "only an admin may list other users' tokens");
  const rows = await hub.db.selectFrom('tokens').selectAll().where('user', '=', owner).orderBy('created_at').execute();
  return rows.map(toInfo);
}

export async function revokeToken(hub: HubContext, actor: Actor, id: string): Promise<void> {
  const self = requireWriteToken(actor);
  const row = await hub.db.selectFrom('tokens').select(['id', 'user']).where('id', '=', id).executeTakeFirst();
  if (!row || (row.user !== self && !isSiteAdmin(actor))) throw new ModaError('HUB_TOKEN_NOT_FOUND', `no token with id "${id}"`);
  await hub.db.deleteFrom('tokens').where('id', '=', id).execute();
  hub.caches.actors.clear();
}

function toInfo(row: { id: string; user: string; name: string; role: TokenRole; created_at: string; last_used_at: string | null }): TokenInfo {
  return { id: row.id, user: row.user, name: row.name, role: row.role, createdAt: row.created_at, lastUsedAt: row.last_used_at };
}
