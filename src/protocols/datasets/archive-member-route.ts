// `GET|HEAD /datasets-server/archive-member?dataset&revision&archive&member`: one file inside a zip
// archive of a dataset repo at a commit — the URL the viewer's rows give images and audio packed in
// `train.zip`. The repo is found as every route finds it (a private dataset the caller cannot read
// is a 404); the archive must be a `.zip` file of the repo at that commit, and its directory passes
// the same checks and limits as a preparation. Stored members answer single ranges.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fileKindOf } from '../../datasets/data-file-format.js';
import { openArchiveMember } from '../../datasets/zip/open-archive-member.js';
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import { listFiles } from '../../hub/list-files.js';
import type { ByteRange } from '../../hub/open-file-content.js';
import { checkFilePath } from '../../hub/paths.js';
import { findRepoOrMirror, resolveRevisionOrMirror } from '../../mirror/find-repo-or-mirror.js';
import { parseRange } from '../hf/resolve-route.js';

export const ARCHIVE_MEMBER_PATH = '/datasets-server/archive-member';

interface MemberQuery {
  dataset?: string;
  revision?: string;
  archive?: string;
  member?: string;
}

/** Media types the viewer shows; anything else is a download, never rendered from this origin. */
const MEDIA_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  flac: 'audio/flac',
  ogg: 'audio/ogg',
};

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new ModaError('VALIDATION_FAILED', `parameter ${name} is required`);
  return value;
}

/**
 * The stream once its first chunk is there. A member that fails at once (it inflates past its
 * declared size, its deflate data is corrupt) then fails the request with its own code; once
 * Fastify has started sending a stream, an error can only cut the connection.
 */
async function startedStream(stream: Readable): Promise<Readable> {
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await chunks.next();
  return Readable.from(
    (async function* () {
      try {
        if (first.done) return;
        yield first.value;
        for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
      } finally {
        // A client that goes away ends this early: the member's stream (and the archive) close too.
        await chunks.return?.();
      }
    })(),
    { objectMode: false },
  );
}

/** The URL of `member` of `archive` in `dataset` at `commit`. */
export function archiveMemberUrl(base: string, dataset: string, commit: string, archive: string, member: string): string {
  return `${base}${ARCHIVE_MEMBER_PATH}?${new URLSearchParams({ dataset, revision: commit, archive, member }).toString()}`;
}

export function registerArchiveMemberRoute(app: FastifyInstance, hub: HubContext): void {
  const handler = async (request: FastifyRequest<{ Querystring: MemberQuery }>, reply: FastifyReply) => {
    const { query } = request;
    const repo = await findRepoOrMirror(hub, request.actor, 'dataset', required(query.dataset, 'dataset'));
    const { commit } = await resolveRevisionOrMirror(hub, repo, query.revision || 'main');
    const archivePath = checkFilePath(required(query.archive, 'archive'));
    if (fileKindOf(archivePath) !== 'zip') throw new ModaError('VALIDATION_FAILED', `archive ${JSON.stringify(archivePath.slice(0, 300))} is not a .zip file`);
    const file = (await listFiles(repo.gitDir, commit)).find((entry) => entry.path === archivePath);
    if (!file) throw new ModaError('HUB_ENTRY_NOT_FOUND', `${archivePath} does not exist at ${commit}`);
    const member = await openArchiveMember(hub, repo.gitDir, file, required(query.member, 'member'));
    let handedOff = false;
    try {
      const name = member.name.slice(member.name.lastIndexOf('/') + 1);
      const type = MEDIA_TYPES[name.slice(name.lastIndexOf('.') + 1).toLowerCase()];
      reply.header('x-repo-commit', commit);
      reply.header('content-type', type ?? 'application/octet-stream');
      reply.header('content-disposition', `${type ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(name)}; filename="${name.replace(/[^\x20-\x7e]|"/g, '_')}"`);
      reply.header('cache-control', 'private, max-age=0, must-revalidate');
      reply.header('accept-ranges', member.seekable ? 'bytes' : 'none');
      let range: ByteRange | undefined;
      if (member.seekable) {
        try {
          range = parseRange(request.headers.range, member.size);
        } catch (error) {
          reply.header('content-range', `bytes */${member.size}`);
          throw error;
        }
      }
      reply.header('content-length', String(range ? range.end - range.start + 1 : member.size));
      if (range) {
        reply.code(206);
        reply.header('content-range', `bytes ${range.start}-${range.end}/${member.size}`);
      }
      if (request.method === 'HEAD') return reply.send();
      if (member.size === 0) return reply.send('');
      const stream = await startedStream(await member.read(range));
      handedOff = true;
      return reply.send(stream);
    } finally {
      if (!handedOff) await member.close();
    }
  };
  // An explicit HEAD route: Fastify's automatic one would overwrite Content-Length with 0.
  app.get<{ Querystring: MemberQuery }>(ARCHIVE_MEMBER_PATH, { exposeHeadRoute: false }, handler);
  app.head<{ Querystring: MemberQuery }>(ARCHIVE_MEMBER_PATH, handler);
}
