// `POST /api/validate-yaml {content, repoType}`: huggingface_hub posts every README.md it is about to
// commit here first and refuses to commit when the answer is not 200. The report is the protocol's
// answer, not an error of the request, so an invalid card gets 400 with `errors` in the body.
import type { FastifyInstance } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import { validateModelCard } from '../../hub/validate-model-card.js';

export function registerValidateYamlRoute(app: FastifyInstance): void {
  app.post('/api/validate-yaml', async (request, reply) => {
    const input = request.body;
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ModaError('VALIDATION_FAILED', 'the body must be a JSON object');
    const { content, repoType } = input as { content?: unknown; repoType?: unknown };
    if (typeof content !== 'string') throw new ModaError('VALIDATION_FAILED', 'content must be a string');
    if (repoType !== undefined && repoType !== null && repoType !== 'model' && repoType !== 'dataset' && repoType !== 'space') {
      throw new ModaError('VALIDATION_FAILED', 'repoType must be "model", "dataset" or "space"');
    }
    const report = validateModelCard(content);
    if (report.errors.length > 0) {
      reply.code(400).header('x-error-message', 'Invalid metadata in README.md');
      return { error: `Invalid metadata in README.md: ${report.errors.map((problem) => problem.message).join('; ')}`, ...report };
    }
    return report;
  });
}
