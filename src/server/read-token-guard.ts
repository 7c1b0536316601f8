// A read-only token writes nothing: every request that is not GET/HEAD/OPTIONS is refused for it,
// except on the routes listed here, which use POST or PUT to read (a query too big for a URL, a
// download negotiation, running a model). Refusing by default means a new write route cannot forget
// the check, as the like routes once did.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ModaError } from '../errors/moda-error.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Route patterns (Fastify's `routeOptions.url`) whose non-GET requests only read. */
const READING_ROUTES: readonly { method: string; url: RegExp }[] = [
  // huggingface_hub's get_paths_info.
  { method: 'POST', url: /\/paths-info\/:revision$/ },
  // Git LFS batch: a download negotiation reads; the upload operation checks write rights itself.
  { method: 'POST', url: /\/info\/lfs\/objects\/batch$/ },
  // git clone and fetch.
  { method: 'POST', url: /\/git-upload-pack$/ },
  // `moda pull` asks which blobs are stored.
  { method: 'POST', url: /^\/api\/blobs\/stored$/ },
  // ModelScope: list_models is a PUT; login trades a token for the cookie.
  { method: 'PUT', url: /^\/api\/v1\/models\/?$/ },
  { method: 'POST', url: /^\/api\/v1\/login$/ },
  // Inference runs a model and stores nothing (Hugging Face, Moda and OpenAI routes).
  { method: 'POST', url: /^\/models\/:owner\/:name(\/pipeline\/:task|\/v1\/completions|\/v1\/chat\/completions)?$/ },
  { method: 'POST', url: /^\/api\/v1\/models\/:owner\/:name\/pipeline$/ },
  { method: 'POST', url: /^\/v1\/(chat\/completions|completions|embeddings)$/ },
  // Ollama's inference and model card routes (its /api/pull readies a model: not for read tokens).
  { method: 'POST', url: /^\/api\/(chat|generate|embed|show)$/ },
  // The dataset viewer's SQL route runs one read-only SELECT.
  { method: 'POST', url: /^\/datasets-server\/sql$/ },
];

function reads(request: FastifyRequest): boolean {
  if (SAFE_METHODS.has(request.method)) return true;
  const url = request.routeOptions.url;
  // No route: the 404 handler answers, and writes nothing.
  if (url === undefined) return true;
  return READING_ROUTES.some((route) => route.method === request.method && route.url.test(url));
}

export function registerReadTokenGuard(app: FastifyInstance): void {
  // preParsing: after every onRequest hook has set the actor (ModelScope's cookie included).
  app.addHook('preParsing', async (request) => {
    if (request.actor.tokenRole === 'read' && !reads(request)) throw new ModaError('AUTH_FORBIDDEN', `this token is read-only: ${request.method} ${request.routeOptions.url} writes`);
  });
}
