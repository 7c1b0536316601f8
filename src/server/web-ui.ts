// Serves the built web UI (web/dist): hashed assets under /assets/* with long cache headers, and
// index.html for browser navigations to the UI's own paths. Every UI route is an explicit GET that
// no API route owns, and it answers HTML only to requests that accept it, so API clients still get
// the usual 404 envelope and no API route is ever shadowed. Text files go out brotli- or
// gzip-compressed as the client accepts (compressed once per file version, see compressed-files.ts).
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ModaError } from '../errors/moda-error.js';
import { acceptedEncodings, CompressedFiles, type FileVariant } from './compressed-files.js';
import { webUiContentSecurityPolicy } from './security-headers.js';

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

// PNG, ICO and WOFF2 are compressed already; compressing them again only costs CPU.
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.svg', '.json', '.map', '.wasm']);

// First path segments that belong to APIs; `/{ns}/{name}` with one of these is never a repo page.
export const RESERVED_NAMESPACES = new Set(['api', 'v1', 'models', 'datasets', 'tasks', 'assets', 'docs', 'metrics', 'healthz', 'livez', 'readyz', 'datasets-server']);

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

/** Sends one variant of a file with the headers every variant shares, or 304 when the client has it. */
function sendVariant(request: FastifyRequest, reply: FastifyReply, variant: FileVariant, type: string, cacheControl: string) {
  // Caches must keep one copy per encoding, and the validator differs per encoding too.
  reply.header('vary', 'accept-encoding').header('etag', variant.etag).header('cache-control', cacheControl);
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === variant.etag || tag.trim() === '*')) return reply.code(304).send();
  if (variant.encoding !== 'identity') reply.header('content-encoding', variant.encoding);
  return reply.type(type).send(variant.body);
}

export function registerWebUi(app: FastifyInstance, options: WebUiOptions = {}): void {
  const distDir = options.distDir ?? DEFAULT_WEB_DIST;
  const assetsDir = join(distDir, 'assets');
  const files = new CompressedFiles((path) => COMPRESSIBLE.has(extname(path)));

  // index.html is checked on each navigation (a stat) so a rebuild shows without a restart; it says
  // no-cache, so the browser revalidates it with its ETag and gets a 304 while it is unchanged.
  // The policy names the hashes of index.html's inline scripts, so it is computed per build of it.
  let policy = { etag: '', value: '' };
  const sendIndex = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!wantsHtml(request)) throw notFound(request);
    const indexPath = join(distDir, 'index.html');
    const variant = await files.get(indexPath, acceptedEncodings(request.headers['accept-encoding']));
    if (variant === undefined) {
      reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
      return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(MISSING_BUILD_PAGE);
    }
    const identity = variant.encoding === 'identity' ? variant : await files.get(indexPath, ['identity']);
    if (identity !== undefined && identity.etag !== policy.etag) policy = { etag: identity.etag, value: webUiContentSecurityPolicy(identity.body.toString('utf8')) };
    reply.header('content-security-policy', policy.value);
    return sendVariant(request, reply, variant, 'text/html; charset=utf-8', 'no-cache');
  };

  app.get('/', sendIndex);
  app.get('/models', sendIndex);
  app.get('/datasets', sendIndex);
  app.get('/tasks/:task', sendIndex);
  app.get('/new', sendIndex);
  app.get('/deployments', sendIndex);
  app.get('/jobs', sendIndex);
  app.get('/leaderboards', sendIndex);
  app.get('/leaderboards/:namespace/:name', sendIndex);
  app.get('/settings/tokens', sendIndex);
  // The Fine-tune form: linked from repo pages, and opened or reloaded by its own URL.
  app.get('/tune', sendIndex);
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
    const variant = await files.get(file, acceptedEncodings(request.headers['accept-encoding']));
    if (variant === undefined) throw notFound(request);
    // Vite puts a content hash in every asset name, so a name never changes meaning.
    return sendVariant(request, reply, variant, CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'public, max-age=31536000, immutable');
  });
}
