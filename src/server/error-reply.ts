// The one place where errors become HTTP: a ModaError (or a Fastify error mapped onto the catalog)
// is written in the envelope of the protocol the route speaks, with X-Error-Code/X-Error-Message
// for Hugging Face clients.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isModaError, ModaError } from '../errors/moda-error.js';
import { openAiErrorBody } from '../protocols/openai/openai-error.js';

export type ErrorEnvelope = 'hf' | 'lfs' | 'modelscope' | 'openai' | 'git';

declare module 'fastify' {
  interface FastifyContextConfig {
    envelope?: ErrorEnvelope;
  }
}

export function toModaError(error: unknown): ModaError {
  if (isModaError(error)) return error;
  const fastifyError = error as Partial<FastifyError> & { message?: string };
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ModaError('BODY_TOO_LARGE', fastifyError.message, { cause: error });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ModaError('BAD_REQUEST', fastifyError.message, { cause: error });
    case 'FST_ERR_VALIDATION':
      return new ModaError('VALIDATION_FAILED', fastifyError.message, { cause: error });
  }
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) {
    return new ModaError('BAD_REQUEST', fastifyError.message ?? 'malformed request body', { cause: error });
  }
  if (fastifyError.statusCode === 413) return new ModaError('BODY_TOO_LARGE', fastifyError.message, { cause: error });
  return new ModaError('INTERNAL', 'Internal server error', { cause: error });
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const moda = toModaError(error);
  if (moda.status >= 500) request.log.error({ err: error }, 'request failed');
  const message = moda.message.replace(/[\r\n]+/g, ' ');
  reply.code(moda.status);
  reply.header('x-error-code', moda.hfCode ?? moda.code);
  // Header values must be Latin-1; the JSON body keeps the full message.
  reply.header('x-error-message', message.replace(/[^\x20-\x7e]/g, '?').slice(0, 500));
  if (reply.getHeader('cache-control') === undefined) reply.header('cache-control', 'no-store');
  const retryAfter = moda.details?.retryAfterSeconds;
  if (typeof retryAfter === 'number') reply.header('retry-after', String(Math.ceil(retryAfter)));
  if (request.routeOptions.config.envelope === 'lfs') {
    reply.type('application/vnd.git-lfs+json');
    return reply.send({ message, code: moda.code, request_id: request.id });
  }
  if (request.method === 'HEAD') return reply.send();
  if (request.routeOptions.config.envelope === 'modelscope') {
    // ModelScope clients read Code/Success/Message, so Code always equals the HTTP status.
    return reply.send({ Code: moda.status, Success: false, Message: message, Data: null, RequestId: request.id, ErrorCode: moda.code });
  }
  if (request.routeOptions.config.envelope === 'openai') return reply.send(openAiErrorBody(moda, message));
  // git prints a text/plain error body to the user as `remote: <line>`; JSON it would hide.
  if (request.routeOptions.config.envelope === 'git') return reply.type('text/plain; charset=utf-8').send(`${message} [${moda.code}]\n`);
  // `url`: the Hub's 409 on repo creation names the existing repo, and huggingface_hub reads it.
  const url = moda.details?.url;
  return reply.send({ error: message, code: moda.code, retryable: moda.retryable, ...(typeof url === 'string' && { url }) });
}
