// The native inference API: `POST /api/v1/models/{owner}/{name}/pipeline` with
// `{input | inputs, parameters, task?, revision?}` as JSON (media as base64, data URI or URL) or a
// raw image/audio body. The answer is in the task's output schema, with the commit that ran it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import type { InferenceService } from '../../serve/inference-service.js';

interface PipelineBody {
  input?: unknown;
  inputs?: unknown;
  parameters?: unknown;
  task?: unknown;
  revision?: unknown;
}

/** As parsed: a name given twice arrives as an array, which optionalString refuses. */
interface PipelineQuery {
  task?: unknown;
  revision?: unknown;
  parameters?: string;
}

const RAW_TYPES = /^(image|audio)\/[\w.+-]+$|^application\/octet-stream$/;
const MAX_TIMEOUT_MS = 3_600_000;

/** `X-Request-Timeout` (milliseconds) as an absolute deadline. */
export function requestDeadline(request: FastifyRequest): number | undefined {
  const header = request.headers['x-request-timeout'];
  if (header === undefined) return undefined;
  const ms = Number(header);
  if (!Number.isFinite(ms) || ms <= 0 || ms > MAX_TIMEOUT_MS) throw new ModaError('BAD_REQUEST', `X-Request-Timeout must be a number of milliseconds between 1 and ${MAX_TIMEOUT_MS}`);
  return performance.now() + ms;
}

/** Aborts when the client goes away before its answer is written. */
export function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

function parseParameters(text: string | undefined): unknown {
  if (text === undefined) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ModaError('TASK_INPUT_INVALID', 'the parameters query value must be a JSON object', { cause: error });
  }
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') throw new ModaError('TASK_INPUT_INVALID', `${name} must be a non-empty string`);
  return value;
}

/** The media type of a request without its parameters, lower case; '' when it has none. */
function mediaType(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * An onRequest hook that answers 429 before the body is read when the model a raw media request
 * names (owner/name in the path, revision and task in the query or path) has a full queue. JSON
 * bodies may name another revision or task, so they are refused after parsing, by the batcher.
 */
export function refuseWhenQueueFull(inference: InferenceService, isRaw: (mediaType: string) => boolean) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!isRaw(mediaType(request))) return;
    const params = request.params as { owner: string; name: string; task?: string };
    const query = request.query as PipelineQuery;
    const task = params.task ?? optionalString(query.task, 'task');
    const revision = optionalString(query.revision, 'revision');
    await inference.refuseWhenFull(request.actor, `${params.owner}/${params.name}`, { ...(revision !== undefined && { revision }), ...(task !== undefined && { task }), inputs: 1 });
  };
}

export function registerInferenceRoutes(app: FastifyInstance, hub: HubContext, inference: InferenceService): void {
  void app.register(async (scope) => {
    const bodyLimit = hub.config.maxInferenceBytes;
    scope.addContentTypeParser(RAW_TYPES, { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_request, text, done) => {
      try {
        done(null, text === '' ? {} : JSON.parse(text as string));
      } catch (error) {
        done(new ModaError('BAD_REQUEST', 'malformed JSON body', { cause: error }), undefined);
      }
    });

    const onRequest = refuseWhenQueueFull(inference, (type) => RAW_TYPES.test(type));
    scope.post<{ Params: { owner: string; name: string }; Querystring: PipelineQuery }>('/api/v1/models/:owner/:name/pipeline', { bodyLimit, onRequest }, async (request, reply) => {
      const raw = Buffer.isBuffer(request.body);
      const body = (raw ? {} : (request.body ?? {})) as PipelineBody;
      if (typeof body !== 'object' || Array.isArray(body)) throw new ModaError('TASK_INPUT_INVALID', 'the body must be a JSON object with "input" or "inputs"');
      if (!raw && body.input === undefined && body.inputs === undefined) throw new ModaError('TASK_INPUT_INVALID', 'the body needs "input" (one) or "inputs" (a batch)');
      if (body.inputs !== undefined && !Array.isArray(body.inputs)) throw new ModaError('TASK_INPUT_INVALID', '"inputs" must be an array; use "input" for one');
      const batch = body.inputs !== undefined;
      const inputs = raw ? [new Uint8Array(request.body as Buffer)] : batch ? (body.inputs as unknown[]) : [body.input];
      const repoId = `${request.params.owner}/${request.params.name}`;
      const task = optionalString(body.task, 'task') ?? optionalString(request.query.task, 'task');
      const revision = optionalString(body.revision, 'revision') ?? optionalString(request.query.revision, 'revision');
      const result = await inference.infer(request.actor, {
        repoId,
        ...(revision !== undefined && { revision }),
        ...(task !== undefined && { task }),
        inputs,
        parameters: raw || body.parameters === undefined ? parseParameters(request.query.parameters) : body.parameters,
        signal: clientGone(reply),
        ...(() => {
          const deadline = requestDeadline(request);
          return deadline === undefined ? {} : { deadline };
        })(),
      });
      reply.header('x-model-commit', result.served.commit);
      reply.header('server-timing', `inference;dur=${result.inferenceMs.toFixed(1)}`);
      return {
        model: repoId,
        revision: result.served.commit,
        task: result.served.task,
        ...(batch ? { outputs: result.outputs } : { output: result.outputs[0] }),
      };
    });
  });
}
