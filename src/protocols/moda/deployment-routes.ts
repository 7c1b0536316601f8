// Deployments over HTTP: `POST /api/v1/deployments` pins and loads a model; list, get, PATCH
// (settings, or a new revision to redeploy) and DELETE. With `Accept: application/x-ndjson` the
// create and update calls stream their progress as NDJSON lines (Ollama-style), ending in the
// deployment or an error line.
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ModaError, isModaError } from '../../errors/moda-error.js';
import type { DeploymentEvent, DeploymentInput, DeploymentPatch, Deployments, DeploymentView } from '../../serve/deployments.js';

function wantsProgress(request: FastifyRequest): boolean {
  return /application\/x-ndjson/.test(request.headers.accept ?? '');
}

function body<T>(request: FastifyRequest): T {
  if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body)) throw new ModaError('VALIDATION_FAILED', 'the body must be a JSON object');
  return request.body as T;
}

/** Runs `operation`, answering with its result, or streaming its progress as NDJSON when asked. */
async function respond(request: FastifyRequest, reply: FastifyReply, status: number, operation: (emit?: (event: DeploymentEvent) => void) => Promise<DeploymentView>): Promise<unknown> {
  if (!wantsProgress(request)) {
    reply.code(status);
    return operation();
  }
  const stream = new PassThrough();
  const write = (value: unknown) => stream.write(`${JSON.stringify(value)}\n`);
  reply.code(status).type('application/x-ndjson').header('cache-control', 'no-store');
  void operation((event) => write(event))
    .catch((error: unknown) => {
      const moda = isModaError(error) ? error : new ModaError('INTERNAL', (error as Error).message);
      write({ status: 'error', error: { code: moda.code, message: moda.message } });
    })
    .finally(() => stream.end());
  return reply.send(stream);
}

export function registerDeploymentRoutes(app: FastifyInstance, deployments: Deployments): void {
  app.post('/api/v1/deployments', async (request, reply) => {
    const input = body<DeploymentInput>(request);
    return respond(request, reply, 201, (emit) => deployments.create(request.actor, input, emit));
  });

  app.get('/api/v1/deployments', async (request) => ({ deployments: await deployments.list(request.actor) }));

  app.get<{ Params: { name: string } }>('/api/v1/deployments/:name', async (request) => deployments.get(request.actor, request.params.name));

  app.patch<{ Params: { name: string } }>('/api/v1/deployments/:name', async (request, reply) => {
    const patch = body<DeploymentPatch>(request);
    return respond(request, reply, 200, (emit) => deployments.update(request.actor, request.params.name, patch, emit));
  });

  app.delete<{ Params: { name: string } }>('/api/v1/deployments/:name', async (request, reply) => {
    await deployments.delete(request.actor, request.params.name);
    return reply.code(204).send();
  });
}
