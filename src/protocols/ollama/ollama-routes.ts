// The Ollama-compatible API, so tools built for Ollama (chat front-ends, editors, agents) work
// against Moda unchanged. Ollama's paths share /api/ with the Hugging Face routes; the rule that
// keeps them apart: Ollama's are the exact single-segment names below (OLLAMA_PATHS), which no
// Hugging Face or Moda route uses — those are /api/<collection>/… (models, datasets, repos, …) or
// other names — and a test checks the two sets stay disjoint. Errors use Ollama's `{error}` body.
import type { FastifyInstance } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import type { InferenceService } from '../../serve/inference-service.js';
import { ollamaGenerate } from './ollama-generate.js';
import { ollamaEmbed, ollamaPs, ollamaPull, ollamaShow, ollamaTags } from './ollama-models.js';

export const OLLAMA_PATHS = ['/api/chat', '/api/generate', '/api/embed', '/api/tags', '/api/show', '/api/ps', '/api/pull', '/api/version'] as const;
const OLLAMA_VERSION = '0.6.4';

export function registerOllamaRoutes(app: FastifyInstance, hub: HubContext, inference: InferenceService): void {
  void app.register(async (scope) => {
    const bodyLimit = hub.config.maxInferenceBytes;
    scope.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string', bodyLimit }, (_request, text, done) => {
      try {
        done(null, text === '' ? {} : JSON.parse(text as string));
      } catch (error) {
        done(new ModaError('BAD_REQUEST', 'malformed JSON body', { cause: error }), undefined);
      }
    });
    scope.post('/api/chat', { bodyLimit }, (request, reply) => ollamaGenerate(inference, request, reply, 'chat'));
    scope.post('/api/generate', { bodyLimit }, (request, reply) => ollamaGenerate(inference, request, reply, 'generate'));
    scope.post('/api/embed', { bodyLimit }, (request, reply) => ollamaEmbed(inference, request, reply));
    scope.get('/api/tags', (request) => ollamaTags(hub, request));
    scope.post('/api/show', (request) => ollamaShow(inference, request));
    scope.get('/api/ps', () => ollamaPs(inference));
    scope.post('/api/pull', (request, reply) => ollamaPull(inference, request, reply));
    scope.get('/api/version', () => ({ version: OLLAMA_VERSION }));
  });
}
