// A job acts as its owner with the rights of the token that created it, never more: when it starts,
// it gets a token of its own with that token's role, repo limit and expiry (at most JOB_TOKEN_TTL),
// which is deleted when the job ends. Tokens are stored hashed, so the creating token itself
// cannot be reused; a job whose creating token was revoked fails instead of running.
import { randomBytes } from 'node:crypto';
import { ModaError } from '../errors/moda-error.js';
import { hashToken } from '../hub/actor.js';
import { newTokenSecret } from '../hub/accounts/tokens.js';
import type { HubContext } from '../hub/context.js';
import type { TokenRole } from '../db/schema.js';
import type { JobRow } from './job-store.js';

const JOB_TOKEN_TTL_MS = 7 * 24 * 3600_000;

export function jobTokenName(jobId: string): string {
  return `job ${jobId}`;
}

/** Creates the job's token; the secret goes to the job process only. */
export async function mintJobToken(hub: HubContext, job: JobRow): Promise<string> {
  let role: TokenRole = 'admin';
  let repoScope: string | null = null;
  let expiresAt = Date.now() + JOB_TOKEN_TTL_MS;
  // null: a job the server started itself (the start-up catalog import), as the site admin.
  if (job.token_id !== null) {
    const creator = await hub.db.selectFrom('tokens').select(['role', 'repo_scope', 'expires_at', 'user']).where('id', '=', job.token_id).executeTakeFirst();
    if (!creator || creator.user !== job.owner) throw new ModaError('AUTH_INVALID_TOKEN', 'the token that created this job was revoked; create the job again with a valid token');
    if (creator.expires_at && Date.parse(creator.expires_at) <= Date.now()) throw new ModaError('AUTH_TOKEN_EXPIRED', `the token that created this job expired at ${creator.expires_at}`);
    role = creator.role;
    repoScope = creator.repo_scope ?? null;
    if (creator.expires_at) expiresAt = Math.min(expiresAt, Date.parse(creator.expires_at));
  }
  const secret = newTokenSecret();
  await hub.db
    .insertInto('tokens')
    .values({ id: randomBytes(12).toString('hex'), user: job.owner, name: jobTokenName(job.id), role, hash: hashToken(secret), created_at: new Date().toISOString(), last_used_at: null, expires_at: new Date(expiresAt).toISOString(), repo_scope: repoScope })
    .execute();
  return secret;
}

/**
 * The token a new job is recorded as created by. A job's own token is deleted when that job ends, so
 * a job started by a job (the catalog import queueing the starter tune jobs) is recorded as created
 * by the token that created its parent — the same rights, and they outlive the parent; null, as for
 * the parent, when the server itself started it.
 */
export async function creatingTokenId(hub: HubContext, tokenId: string | null): Promise<string | null> {
  if (tokenId === null) return null;
  const token = await hub.db.selectFrom('tokens').select(['name', 'user']).where('id', '=', tokenId).executeTakeFirst();
  const parentId = token ? /^job (\S+)$/.exec(token.name)?.[1] : undefined;
  if (!token || parentId === undefined) return tokenId;
  const parent = await hub.db.selectFrom('jobs').select(['token_id', 'owner']).where('id', '=', parentId).executeTakeFirst();
  return parent && parent.owner === token.user ? parent.token_id : tokenId;
}

/**
 * Deletes the job's token: with `secret`, only that attempt's (a runner that was taken over while it
 * stalled must not revoke the token of the attempt that replaced its own); without, every attempt's.
 */
export async function revokeJobToken(hub: HubContext, job: Pick<JobRow, 'id' | 'owner'>, secret?: string): Promise<void> {
  let query = hub.db.deleteFrom('tokens').where('user', '=', job.owner).where('name', '=', jobTokenName(job.id));
  if (secret !== undefined) query = query.where('hash', '=', hashToken(secret));
  await query.execute();
  hub.caches.actors.clear();
}
