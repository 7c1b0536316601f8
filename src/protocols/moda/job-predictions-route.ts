// `GET /api/v1/jobs/{id}/predictions?rows=0,1,2`: an evaluation's predictions for the dataset rows a
// viewer page shows. Visible exactly as the job is (its owner and site admins; anyone else gets
// JOB_NOT_FOUND), like its artifacts.
import type { FastifyInstance } from 'fastify';
import { parseRowIndexes, readJobPredictions } from '../../evaluation/read-job-predictions.js';
import type { JobService } from '../../jobs/job-service.js';

export function registerJobPredictionsRoute(app: FastifyInstance, jobs: JobService): void {
  app.get<{ Params: { id: string }; Querystring: { rows?: unknown } }>('/api/v1/jobs/:id/predictions', async (request, reply) => {
    const rows = parseRowIndexes(request.query.rows);
    const answer = await readJobPredictions(jobs, request.actor, request.params.id, rows);
    return reply.header('cache-control', 'private, max-age=0').send(answer);
  });
}
