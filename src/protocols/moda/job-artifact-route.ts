// `GET /api/v1/jobs/{id}/artifacts/{name}`: a file a job left beside its result (an evaluation's
// per-sample predictions), streamed from the blob store. Visible exactly as the job is: to its owner
// and site admins; anyone else gets JOB_NOT_FOUND.
import type { FastifyInstance } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import type { JobService } from '../../jobs/job-service.js';

interface ArtifactRecord {
  name: string;
  oid: string;
  size: number;
  content_type?: string;
}

function artifactsOf(result: string | null): ArtifactRecord[] {
  if (result === null) return [];
  const parsed = JSON.parse(result) as { artifacts?: unknown };
  if (!Array.isArray(parsed.artifacts)) return [];
  return parsed.artifacts.filter((entry): entry is ArtifactRecord => typeof entry === 'object' && entry !== null && typeof (entry as ArtifactRecord).name === 'string' && typeof (entry as ArtifactRecord).oid === 'string');
}

export function registerJobArtifactRoute(app: FastifyInstance, jobs: JobService): void {
  app.get<{ Params: { id: string; name: string } }>('/api/v1/jobs/:id/artifacts/:name', async (request, reply) => {
    const row = await jobs.visibleRow(request.actor, request.params.id);
    const artifacts = artifactsOf(row.result);
    const artifact = artifacts.find((entry) => entry.name === request.params.name);
    if (!artifact) throw new ModaError('JOB_ARTIFACT_NOT_FOUND', `job ${row.id} has no artifact ${JSON.stringify(request.params.name.slice(0, 100))}${artifacts.length > 0 ? `; it has ${artifacts.map((entry) => entry.name).join(', ')}` : ''}`);
    const stream = await jobs.hub.blobs.read(artifact.oid);
    return reply
      .type(artifact.content_type ?? 'application/octet-stream')
      .header('content-length', String(artifact.size))
      .header('content-disposition', `attachment; filename="${artifact.name.replace(/[^\w.-]/g, '_')}"`)
      .header('cache-control', 'private, max-age=0')
      .send(stream);
  });
}
