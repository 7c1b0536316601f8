// Serves the built web UI (web/dist): hashed assets under /assets/* with long cache headers, and
// index.html for browser navigations to the UI's own paths. Every UI route is an explicit GET that
// no API route owns, and it answers HTML only to requests that accept it, so API clients still get
// the usual 404 envelope and no API route is ever shadowed.
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ModaError } from '../errors/moda-error.js';

/** web/dist of this checkout: from src/server/ (tsx) and from dist/server/ (built) alike. */
export const DEFAULT_WEB_DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dist');

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
};

// First path segments that belong to APIs; `/{ns}/{name}` with one of these is never a repo page.
export const RESERVED_NAMESPACES = new Set(['api', 'v1', 'models', 'datasets', 'tasks', 'assets', 'docs', 'metrics', 'healthz', 'readyz']);

const MISSING_BUILD_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Moda</title></head>
<body style="font: 16px/1.5 system-ui, sans-serif; margin: 40px">
<h1>Moda</h1>
<p>The web UI is not built. Run <code>npm run build:web</code> and reload this page.</p>
<p>网页界面尚未构建：请运行 <code>npm run build:web</code> 后刷新本页。</p>
<p>The API is served here all the same: <a href="/docs">/docs</a>.</p>
</body></html>
`;

export interface WebUiOptions {
  /** The folder `vite build` wrote; default: web/dist of this checkout. */
  distDir?: string;
}

function notFound(request: FastifyRequest): ModaError {
  return new ModaError('NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`);
}

function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

export function registerWebUi(app: FastifyInstance, options: WebUiOptions = {}): void {
  const distDir = options.distDir ?? DEFAULT_WEB_DIST;
  const assetsDir = join(distDir, 'assets');

  // index.html is read on each navigation (it is small) so a rebuild shows without a restart.
  const sendIndex = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!wantsHtml(request)) throw notFound(request);
    let html: string;
    try {
      html = await readFile(join(distDir, 'index.html'), 'utf8');
    } catch {
      html = MISSING_BUILD_PAGE;
    }
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html);
  };

  app.get('/', sendIndex);
  app.get('/models', sendIndex);
  app.get('/datasets', sendIndex);
  app.get('/tasks/:task', sendIndex);
  app.get('/new', sendIndex);
  app.get('/deployments', sendIndex);
  app.get('/settings/tokens', sendIndex);
  const repoPage = async (request: FastifyRequest<{ Params: { namespace: string; name: string } }>, reply: FastifyReply) => {
    if (RESERVED_NAMESPACES.has(request.params.namespace) || request.params.name.endsWith('.git')) throw notFound(request);
    return sendIndex(request, reply);
  };
  // A repo's page and its files-and-versions views (web/src/router.tsx), for models and datasets.
  for (const prefix of ['', '/datasets']) {
    app.get(`${prefix}/:namespace/:name`, repoPage);
    app.get(`${prefix}/:namespace/:name/tree/:revision`, repoPage);
    app.get(`${prefix}/:namespace/:name/tree/:revision/*`, repoPage);
    app.get(`${prefix}/:namespace/:name/blob/:revision/*`, repoPage);
    app.get(`${prefix}/:namespace/:name/commits/:revision`, repoPage);
    app.get(`${prefix}/:namespace/:name/commit/:sha`, repoPage);
  }

  app.get<{ Params: { '*': string } }>('/assets/*', async (request, reply) => {
    const file = resolve(assetsDir, request.params['*']);
    if (!file.startsWith(assetsDir + sep)) throw notFound(request);
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      throw notFound(request);
    }
    // Vite puts a content hash in every asset name, so a name never changes meaning.
    return reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .type(CONTENT_TYPES[extname(file)] ?? 'application/octet-stream')
      .send(body);
  });
}
