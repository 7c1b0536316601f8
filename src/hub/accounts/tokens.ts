// Access tokens: created with a role (read, write, admin), shown once, stored as a sha256 hash.
// Tokens carry the `hf_` prefix because @huggingface/hub refuses any other before sending it.
// A token may expire, and may be limited to named repos (a fine-grained token, token-scope.ts).
import { randomBytes } from 'node:crypto';
import { ModaError } from '../../errors/moda-error.js';
import type { TokenRole } from '../../db/schema.js';
import { hashToken, isSiteAdmin, requireUser, requireWriteToken, type Actor } from '../actor.js';
import { recordAuditEvent } from '../audit/record-audit-event.js';
import type { HubContext } from '../context.js';
import { tokenExpiry } from './token-expiry.js';
import { scopedRepoName, tokenScope } from './token-scope.js';

export interface TokenInfo {
  id: string;
  user: string;
  name: string;
  role: TokenRole;
  createdAt: string;
  lastUsedAt: string | null;
  /** null = never expires. */
  expiresAt: string | null;
  expired: boolean;
  /** Repos a fine-grained token is limited to (`ns/name`, `datasets/ns/name`); null = not limited. */
  repos: string[] | null;
}

export interface CreateTokenInput {
  name: string;
  role: TokenRole;
  user?: string;
  expiresIn?: string;
  expiresAt?: string;
  repos?: unknown;
}

const ROLE_RANK: Record<TokenRole, number> = { read: 0, write: 1, admin: 2 };
export const TOKEN_ROLES = Object.keys(ROLE_RANK) as TokenRole[];

export function newTokenSecret(): string {
  return `hf_moda_${randomBytes(24).toString('base64url')}`;
}

/**
 * Stores a token the caller already holds (used for MODA_ADMIN_TOKEN). Idempotent, also when
 * replicas of a cluster start together and register the same token at once.
 */
export async function registerToken(hub: HubContext, user: string, name: string, role: TokenRole, secret: string): Promise<void> {
  await hub.db
    .insertInto('tokens')
    .values({ id: randomBytes(12).toString('hex'), user, name, role, hash: hashToken(secret), created_at: new Date().toISOString(), last_used_at: null })
    .onConflict((conflict) => conflict.column('hash').doNothing())
    .execute();
}

export async function createToken(hub: HubContext, actor: Actor, input: CreateTokenInput): Promise<TokenInfo & { token: string }> {
  const self = requireWriteToken(actor);
  const owner = input.user ?? self;
  if (owner !== self && !isSiteAdmin(actor)) throw new ModaError('AUTH_FORBIDDEN', 'only an admin may create tokens for other users');
  if (!TOKEN_ROLES.includes(input.role)) throw new ModaError('VALIDATION_FAILED', `role must be one of ${TOKEN_ROLES.join(', ')}`);
  if (ROLE_RANK[input.role] > ROLE_RANK[actor.tokenRole ?? 'read']) {
    throw new ModaError('AUTH_FORBIDDEN', `a ${actor.tokenRole} token cannot create a ${input.role} token`);
  }
  const name = input.name.trim();
  if (name.length === 0 || name.length > 100) throw new ModaError('VALIDATION_FAILED', 'token name must be 1-100 characters');
  const now = Date.now();
  const expiresAt = tokenExpiry(input, now);
  const user = await hub.db.selectFrom('users').select(['name', 'type']).where('name', '=', owner).executeTakeFirst();
  if (!user || user.type !== 'user') throw new ModaError('HUB_USER_NOT_FOUND', `no user "${owner}"`);
  const scope = await tokenScope(hub, actor, input.repos);
  const token = newTokenSecret();
  const row = {
    id: randomBytes(12).toString('hex'),
    user: owner,
    name,
    role: input.role,
    hash: hashToken(token),
    created_at: new Date(now).toISOString(),
    last_used_at: null,
    expires_at: expiresAt,
    repo_scope: scope ? JSON.stringify(scope) : null,
  };
  await hub.db.insertInto('tokens').values(row).execute();
  const info = toInfo(row);
  await recordAuditEvent(hub, actor, 'token.create', `token:${row.id}`, { user: owner, name, role: input.role, expiresAt, repos: info.repos });
  return { ...info, token };
}

export async function listTokens(hub: HubContext, actor: Actor, user?: string): Promise<TokenInfo[]> {
  const self = requireUser(actor);
  const owner = user ?? self;
  if (owner !== self && !isSiteAdmin(actor)) throw new ModaError('AUTH_FORBIDDEN', "only an admin may list other users' tokens");
  const rows = await hub.db.selectFrom('tokens').selectAll().where('user', '=', owner).orderBy('created_at').execute();
  return rows.map(toInfo);
}

/** The caller's own token, as `GET /api/tokens/current` and whoami describe it. */
export async function currentToken(hub: HubContext, actor: Actor): Promise<TokenInfo | null> {
  if (actor.tokenId === null) return null;
  const row = await hub.db.selectFrom('tokens').selectAll().where('id', '=', actor.tokenId).executeTakeFirst();
  return row ? toInfo(row) : null;
}

export async function revokeToken(hub: HubContext, actor: Actor, id: string): Promise<void> {
  const self = requireWriteToken(actor);
  const row = await hub.db.selectFrom('tokens').select(['id', 'user', 'name']).where('id', '=', id).executeTakeFirst();
  if (!row || (row.user !== self && !isSiteAdmin(actor))) throw new ModaError('HUB_TOKEN_NOT_FOUND', `no token with id "${id}"`);
  await hub.db.deleteFrom('tokens').where('id', '=', id).execute();
  hub.caches.actors.clear();
  await recordAuditEvent(hub, actor, 'token.revoke', `token:${row.id}`, { user: row.user, name: row.name });
}

function toInfo(row: { id: string; user: string; name: string; role: TokenRole; created_at: string; last_used_at: string | null; expires_at?: string | null; repo_scope?: string | null }): TokenInfo {
  const expiresAt = row.expires_at ?? null;
  return {
    id: row.id,
    user: row.user,
    name: row.name,
    role: row.role,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt,
    expired: expiresAt !== null && Date.parse(expiresAt) <= Date.now(),
    repos: row.repo_scope ? (JSON.parse(row.repo_scope) as string[]).map(scopedRepoName) : null,
  };
}
