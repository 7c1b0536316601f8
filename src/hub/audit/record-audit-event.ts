// Appends one security-relevant event to the audit log. Details are small JSON objects the caller
// builds from names and flags; anything shaped like an access token is masked on the way in, so a
// mistake at a call site cannot put a secret in the log.
import { randomBytes } from 'node:crypto';
import type { Actor } from '../actor.js';
import type { HubContext } from '../context.js';
import { auditContext, type AuditRequestContext } from './audit-context.js';

export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.login_failed',
  'token.create',
  'token.revoke',
  'user.create',
  'org.create',
  'member.set',
  'member.remove',
  'repo.create',
  'repo.delete',
  'repo.visibility',
  'repo.settings',
  'git.force_push',
  'git.ref_delete',
  'deployment.create',
  'deployment.delete',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type AuditDetails = Record<string, string | number | boolean | null | string[]>;

const TOKEN_LIKE = /\bhf_[A-Za-z0-9_-]{8,}/g;

function masked(details: AuditDetails): AuditDetails {
  const out: AuditDetails = {};
  for (const [key, value] of Object.entries(details)) {
    if (/secret|password|^token$/i.test(key)) continue;
    out[key] = typeof value === 'string' ? value.replace(TOKEN_LIKE, 'hf_***') : Array.isArray(value) ? value.map((item) => item.replace(TOKEN_LIKE, 'hf_***')) : value;
  }
  return out;
}

/** `context` defaults to the request being handled (see audit-context.ts). */
export async function recordAuditEvent(
  hub: HubContext,
  actor: Pick<Actor, 'user' | 'tokenId'> | null,
  action: AuditAction,
  target: string | null,
  details: AuditDetails = {},
  context: AuditRequestContext | undefined = auditContext.getStore(),
): Promise<void> {
  const at = new Date().toISOString();
  await hub.db
    .insertInto('audit_events')
    .values({
      id: `${at}-${randomBytes(6).toString('hex')}`,
      at,
      action,
      actor: actor?.user ?? null,
      token_id: actor?.tokenId ?? null,
      address: context?.address ?? null,
      target: target === null ? null : target.replace(TOKEN_LIKE, 'hf_***'),
      details: JSON.stringify({ ...masked(details), ...(context && { requestId: context.requestId }) }),
    })
    .execute();
}
