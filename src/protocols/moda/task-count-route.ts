// How many repos each task has, in one answer: the web UI's home shows a count on every task, which
// took one search request per task (26 on the starter catalog, the slowest 360 ms under load).
// Counts stop at `limit`, so the answer costs at most `limit` index rows per task however large the
// hub grows; a count equal to `limit` means "at least that many".
import type { FastifyInstance } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import { MAX_PAGE, searchRepos } from '../../hub/repos/search-repos.js';
import { TASK_IDS } from '../../tasks/catalog.js';
import { positiveInt } from '../hf/repo-route-params.js';

export const DEFAULT_COUNT_LIMIT = 100;

export function registerTaskCountRoute(app: FastifyInstance, hub: HubContext): void {
  app.get('/api/task-counts', async (request) => {
    const query = request.query as Record<string, unknown>;
    const type = query.type === undefined || query.type === '' ? 'model' : query.type;
    if (type !== 'model' && type !== 'dataset') throw new ModaError('VALIDATION_FAILED', 'type must be model or dataset');
    const limit = positiveInt(query.limit, 'limit', DEFAULT_COUNT_LIMIT, MAX_PAGE);
    // The same search as `/api/models?pipeline_tag=…`, so a count never includes a repo the caller
    // could not find by searching (private repos follow the caller's token).
    const counts: Record<string, number> = {};
    for (const task of TASK_IDS) counts[task] = (await searchRepos(hub, request.actor, { type, pipelineTag: task, limit })).rows.length;
    return { type, limit, counts };
  });
}
