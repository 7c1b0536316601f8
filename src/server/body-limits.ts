// Request bodies get the smallest limit that fits their route: the app's default (MODA_MAX_JSON_BODY)
// everywhere, MODA_MAX_COMMIT_BODY only on the commit routes (which say so with `config.commitBody`
// and their own `bodyLimit`). NDJSON is a commit body: another route refuses it before reading a
// byte, and an anonymous caller, who can never commit, is refused before the upload starts.
import type { FastifyInstance } from 'fastify';
import { ModaError } from '../errors/moda-error.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes an NDJSON commit body (and sets its own `bodyLimit`). */
    commitBody?: boolean;
  }
}

const NDJSON_TYPES = ['application/x-ndjson', 'application/jsonl'];

function isNdjson(contentType: string | undefined): boolean {
  return NDJSON_TYPES.includes((contentType ?? '').split(';', 1)[0]!.trim().toLowerCase());
}

export function registerBodyLimits(app: FastifyInstance): void {
  // No bodyLimit of its own: a parser's limit would override the app default on every route.
  app.addContentTypeParser(NDJSON_TYPES, { parseAs: 'string' }, (_request, text, done) => done(null, text));
  // preParsing runs after every onRequest hook, the ModelScope cookie's included, and before the body.
  app.addHook('preParsing', async (request) => {
    const commitRoute = request.routeOptions.config.commitBody === true;
    if (!commitRoute && isNdjson(request.headers['content-type'])) {
      throw new ModaError('CONTENT_TYPE_UNSUPPORTED', `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]} does not take an NDJSON body; only the commit routes do`);
    }
    if (commitRoute && request.actor.user === null) throw new ModaError('AUTH_REQUIRED', 'committing needs a token with write access');
  });
}
