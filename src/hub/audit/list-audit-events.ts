// The audit log for site admins: newest first, filtered by action, actor, target and time, in pages
// that continue from the last id seen (`before`), so new events never shift a page.
import { ModaError } from '../../errors/moda-error.js';
import { isSiteAdmin, type Actor } from '../actor.js';
import type { HubContext } from '../context.js';

export interface AuditEvent {
  id: string;
  at: string;
  action: string;
  actor: string | null;
  tokenId: string | null;
  address: string | null;
  target: string | null;
  details: Record<string, unknown>;
}

export interface AuditQuery {
  action?: string;
  actor?: string;
  target?: string;
  /** ISO times, inclusive. */
  since?: string;
  until?: string;
  /** An event id from an earlier page: only older events. */
  before?: string;
  limit?: number;
}

export const MAX_AUDIT_PAGE = 500;

function isoTime(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ModaError('VALIDATION_FAILED', `${name} must be an ISO date or time, got "${value}"`);
  return new Date(ms).toISOString();
}

export async function listAuditEvents(hub: HubContext, actor: Actor, query: AuditQuery): Promise<{ events: AuditEvent[]; next: string | null }> {
  if (!isSiteAdmin(actor)) throw new ModaError('AUTH_FORBIDDEN', 'only an admin with an admin token may read the audit log');
  const limit = query.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE) throw new ModaError('VALIDATION_FAILED', `limit must be 1-${MAX_AUDIT_PAGE}`);
  const since = isoTime(query.since, 'since');
  const until = isoTime(query.until, 'until');
  let select = hub.db.selectFrom('audit_events').selectAll();
  if (query.action) select = query.action.endsWith('.') ? select.where('action', 'like', `${query.action}%`) : select.where('action', '=', query.action);
  if (query.actor) select = select.where('actor', '=', query.actor);
  if (query.target) select = select.where('target', '=', query.target);
  if (since) select = select.where('at', '>=', since);
  if (until) select = select.where('at', '<=', until);
  if (query.before) select = select.where('id', '<', query.before);
  const rows = await select.orderBy('id', 'desc').limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  return {
    events: page.map((row) => ({
      id: row.id,
      at: row.at,
      action: row.action,
      actor: row.actor,
      tokenId: row.token_id,
      address: row.address,
      target: row.target,
      details: JSON.parse(row.details) as Record<string, unknown>,
    })),
    next: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
  };
}
