// `HEAD|GET /{repo}/resolve/{rev}/{path}`: file downloads with the headers the Hugging Face clients
// need (X-Repo-Commit, a content-derived ETag, Content-Length), single ranges for resume, 304 on a
// matching If-None-Match. Content is streamed from git or the blob store, never buffered whole.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import { listFiles } from '../../hub/list-files.js';
import type { ByteRange } from '../../hub/open-file-content.js';
import { checkFilePath } from '../../hub/paths.js';
import { recordDownload } from '../../hub/repos/counters.js';
import { findRepoOrMirror, resolveRevisionOrMirror } from '../../mirror/find-repo-or-mirror.js';
import { sendRepoFile } from '../../server/send-file-region.js';
import { REPO_KINDS, repoIdOf, type RepoParams } from './repo-route-params.js';

export type { ByteRange };

/** Parses a single `bytes=` range; undefined means "send everything" (absent or multi-range). */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  let start: number;
  let end: number;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) throw new ModaError('RANGE_NOT_SATISFIABLE', `bytes=-0 selects nothing of ${size} bytes`);
    start = Math.max(size - suffix, 0);
    end = size - 1;
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== '' && Number(last) < start) return undefined;
  }
  if (start >= size) throw new ModaError('RANGE_NOT_SATISFIABLE', `range starts at ${start}, file has ${size} bytes`);
  return { start, end };
}

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json',
  md: 'text/markdown; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  py: 'text/x-python; charset=utf-8',
  yaml: 'text/yaml; charset=utf-8',
  yml: 'text/yaml; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  wav: 'audio/wav',
};

function contentTypeOf(path: string): string {
  const extension = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return CONTENT_TYPES[extension] ?? 'application/octet-stream';
}

export function registerResolveRoutes(app: FastifyInstance, hub: HubContext): void {
  for (const kind of REPO_KINDS) {
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const params = request.params as RepoParams & { revision: string; '*': string };
      // A repo missing here is imported first when MODA_MIRROR_UPSTREAM is set.
      const repo = await findRepoOrMirror(hub, request.actor, kind.type, repoIdOf(params), params.revision);
      const { commit } = await resolveRevisionOrMirror(hub, repo, params.revision);
      reply.header('x-repo-commit', commit);
      const path = checkFilePath(params['*']);
      const file = (await listFiles(repo.gitDir, commit)).find((entry) => entry.path === path);
      if (!file) throw new ModaError('HUB_ENTRY_NOT_FOUND', `${path} does not exist at ${commit}`);

      const etag = `"${file.lfs ? file.lfs.oid : file.blobId}"`;
      const name = path.slice(path.lastIndexOf('/') + 1);
      reply.header('etag', etag);
      reply.header('accept-ranges', 'bytes');
      reply.header('content-type', contentTypeOf(path));
      reply.header('content-disposition', `inline; filename*=UTF-8''${encodeURIComponent(name)}; filename="${name.replace(/[^\x20-\x7e]|"/g, '_')}"`);
      reply.header('cache-control', 'private, max-age=0, must-revalidate');
      if (file.lfs) {
        reply.header('x-linked-etag', etag);
        reply.header('x-linked-size', String(file.size));
      }
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();

      let range: ByteRange | undefined;
      try {
        range = parseRange(request.headers.range, file.size);
      } catch (error) {
        reply.header('content-range', `bytes */${file.size}`);
        throw error;
      }
      const length = range ? range.end - range.start + 1 : file.size;
      reply.header('content-length', String(length));
      if (range) {
        reply.code(206);
        reply.header('content-range', `bytes ${range.start}-${range.end}/${file.size}`);
      }
      if (request.method === 'HEAD') return reply.send();
      // One download per full fetch; resumed parts and @huggingface/hub's 1-byte probe do not count.
      if ((!range || (range.start === 0 && range.end > 0)) && path !== '.gitattributes') {
        recordDownload(hub, repo.id).catch((error: unknown) => request.log.warn({ err: error }, 'download counter not updated'));
      }
      if (file.size === 0) return reply.send('');
      return sendRepoFile(reply, hub, repo.gitDir, file, range);
    };
    // An explicit HEAD route: Fastify's automatic one would overwrite Content-Length with 0.
    const route = `${kind.prefix}/:namespace/:name/resolve/:revision/*`;
    app.get(route, { exposeHeadRoute: false }, handler);
    app.head(route, handler);
  }
}
