// `GET /api/admin/audit`: the audit log for site admins, newest first, with filters and pages.
import type { FastifyInstance } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import { listAuditEvents } from '../../hub/audit/list-audit-events.js';
import type { HubContext } from '../../hub/context.js';

const FILTERS = ['action', 'actor', 'target', 'since', 'until', 'before'] as const;

export function registerAuditRoutes(app: FastifyInstance, hub: HubContext): void {
  app.get('/api/admin/audit', async (request) => {
    const query = request.query as Record<string, unknown>;
    const filters: Record<string, string> = {};
    for (const name of FILTERS) {
      const value = query[name];
      if (value === undefined || value === '') continue;
      if (typeof value !== 'string') throw new ModaError('VALIDATION_FAILED', `${name} must be given once`);
      filters[name] = value;
    }
    let limit: number | undefined;
    if (query.limit !== undefined) {
      limit = typeof query.limit === 'string' && /^\d+$/.test(query.limit) ? Number(query.limit) : Number.NaN;
      if (Number.isNaN(limit)) throw new ModaError('VALIDATION_FAILED', 'limit must be a positive integer');
    }
    return listAuditEvents(hub, request.actor, { ...filters, limit });
  });
}
