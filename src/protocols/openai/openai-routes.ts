// The OpenAI-compatible API under /v1, for the official clients and the tools built on them:
// models, chat and text completions (streamed or whole) and embeddings, over the same hub
// permissions (a Moda token as the API key) and model cache as the native inference API. Errors
// use OpenAI's envelope.
import type { FastifyInstance } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import type { InferenceService } from '../../serve/inference-service.js';
import type { ErrorEnvelope } from '../../server/error-reply.js';
import { createChatCompletion, createTextCompletion } from './create-completion.js';
import { createEmbeddings } from './create-embeddings.js';
import { modelErrorFor, openAiErrorBody } from './openai-error.js';
import { listOpenAiModels, retrieveOpenAiModel } from './openai-models.js';

export function registerOpenAiRoutes(app: FastifyInstance, hub: HubContext, inference: InferenceService): void {
  void app.register(async (scope) => {
    const bodyLimit = hub.config.maxInferenceBytes;
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_request, text, done) => {
      try {
        done(null, text === '' ? {} : JSON.parse(text as string));
      } catch (error) {
        done(new ModaError('BAD_REQUEST', 'malformed JSON body', { cause: error }), undefined);
      }
    });
    const config: { envelope: ErrorEnvelope } = { envelope: 'openai' };
    const retrieve = async (actor: Parameters<typeof retrieveOpenAiModel>[2], id: string) => {
      try {
        return await retrieveOpenAiModel(hub, inference, actor, id);
      } catch (error) {
        throw modelErrorFor(error, id, 'a text-generation or feature-extraction model');
      }
    };

    scope.get('/models', { config }, async (request) => ({ object: 'list', data: await listOpenAiModels(hub, inference, request.actor) }));
    // Official clients send the id with its slash encoded (admin%2Fqwen); curl users type it plain.
    scope.get<{ Params: { model: string } }>('/models/:model', { config }, async (request) => retrieve(request.actor, request.params.model));
    scope.get<{ Params: { owner: string; name: string } }>('/models/:owner/:name', { config }, async (request) => retrieve(request.actor, `${request.params.owner}/${request.params.name}`));
    scope.post('/chat/completions', { config, bodyLimit }, (request, reply) => createChatCompletion(inference, request, reply));
    scope.post('/completions', { config, bodyLimit }, (request, reply) => createTextCompletion(inference, request, reply));
    scope.post('/embeddings', { config, bodyLimit }, (request, reply) => createEmbeddings(inference, request, reply));
    // Endpoints Moda lacks (audio, images, responses, …) answer in the envelope the clients parse.
    scope.setNotFoundHandler((request, reply) => {
      const error = new ModaError('NOT_FOUND', `Moda does not serve ${request.method} ${request.url.split('?')[0]}; its OpenAI API has /v1/models, /v1/chat/completions, /v1/completions and /v1/embeddings`);
      return reply.code(error.status).header('x-error-code', error.code).send(openAiErrorBody(error, error.message));
    });
  }, { prefix: '/v1' });
}
