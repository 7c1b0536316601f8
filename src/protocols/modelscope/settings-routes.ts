// ModelScope repo settings and probes: `set_repo_visibility` (PUT a model by owner/name, a dataset
// by its Id, with the edit page's whole form; only Visibility is applied here) and the
// acceleration probe every download makes first.
import type { FastifyInstance } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import { updateSettings } from '../../hub/repos/update-settings.js';
import { visibilityOf } from '../../hub/repos/repo-record.js';
import { ok } from './envelope.js';
import { jsonBody, visibilityCode, visibilityFromCode } from './wire-fields.js';

export function registerSettingsRoutes(app: FastifyInstance, hub: HubContext): void {
  app.put('/models/:owner/:name', async (request) => {
    const { owner, name } = request.params as { owner: string; name: string };
    const body = jsonBody(request.body);
    if (body.Visibility === undefined || body.Visibility === null) throw new ModaError('VALIDATION_FAILED', 'Visibility is required: 1 (private), 3 (internal) or 5 (public)');
    const repo = await updateSettings(hub, request.actor, 'model', `${owner}/${name}`, { visibility: visibilityFromCode(body.Visibility) });
    return ok(request, { Id: repo.id, Path: repo.row.namespace, Name: repo.row.name, Visibility: visibilityCode(visibilityOf(repo.row)) });
  });

  app.put('/datasets/:id', async (request) => {
    const { id } = request.params as { id: string };
    const body = jsonBody(request.body);
    if (body.Visibility === undefined || body.Visibility === null) throw new ModaError('VALIDATION_FAILED', 'Visibility is required: 1 (private), 3 (internal) or 5 (public)');
    const row = await hub.db.selectFrom('repos').select(['namespace', 'name']).where('type', '=', 'dataset').where('id', '=', id).executeTakeFirst();
    if (!row) throw new ModaError('HUB_REPO_NOT_FOUND', `Dataset ${id} not found`);
    const repo = await updateSettings(hub, request.actor, 'dataset', `${row.namespace}/${row.name}`, { visibility: visibilityFromCode(body.Visibility) });
    return ok(request, { Id: repo.id, Visibility: visibilityCode(visibilityOf(repo.row)) });
  });

  // No in-cloud acceleration applies to a self-hosted hub: an empty query address tells the SDK so.
  app.get('/repos/internalAccelerationInfo', async (request) => ok(request, { InternalRegionQueryAddress: '' }));
}
