// `GET /api/v1/models/{owner}/{name}/evaluations`: the model's evaluation results with the
// "older revision" mark (list-model-evaluations.ts); a private model's answer is HUB_REPO_NOT_FOUND
// to those who cannot read it, as every repo route's.
import type { FastifyInstance } from 'fastify';
import { listModelEvaluations } from '../../evaluation/list-model-evaluations.js';
import type { HubContext } from '../../hub/context.js';

export function registerEvaluationRoutes(app: FastifyInstance, hub: HubContext): void {
  app.get<{ Params: { owner: string; name: string } }>('/api/v1/models/:owner/:name/evaluations', async (request) => listModelEvaluations(hub, request.actor, `${request.params.owner}/${request.params.name}`));
}
