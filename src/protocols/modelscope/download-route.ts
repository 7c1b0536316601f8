// File downloads: `GET /api/v1/models/{owner}/{name}/repo?Revision&FilePath` and the dataset twin
// (`…/datasets/{owner}/{name}/repo?Source=SDK&Revision&FilePath`). Raw bytes, streamed from git or
// the blob store; one `Range` for the SDK's resume (`bytes=N-`) and parallel parts (`bytes=a-b`).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RepoType } from '../../db/schema.js';
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import { listFiles } from '../../hub/list-files.js';
import { checkFilePath } from '../../hub/paths.js';
import { recordDownload } from '../../hub/repos/counters.js';
import { findRepo } from '../../hub/repos/repo-record.js';
import { sendRepoFile } from '../../server/send-file-region.js';
import { parseRange, type ByteRange } from '../hf/resolve-route.js';
import { resolveReadRevision } from './revisions.js';
import { optionalString, type Fields } from './wire-fields.js';

export function registerDownloadRoutes(app: FastifyInstance, hub: HubContext): void {
  for (const [plural, type] of [['models', 'model'], ['datasets', 'dataset']] as const) {
    const handler = (request: FastifyRequest, reply: FastifyReply) => download(hub, type, request, reply);
    app.get(`/${plural}/:owner/:name/repo`, { exposeHeadRoute: false }, handler);
    app.head(`/${plural}/:owner/:name/repo`, handler);
  }
}

async function download(hub: HubContext, type: RepoType, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { owner, name } = request.params as { owner: string; name: string };
  const query = request.query as Fields;
  const filePath = optionalString(query, 'FilePath');
  if (filePath === undefined || filePath === '') throw new ModaError('VALIDATION_FAILED', 'FilePath is required');
  const repo = await findRepo(hub, request.actor, type, `${owner}/${name}`);
  const { commit } = await resolveReadRevision(repo, optionalString(query, 'Revision'));
  reply.header('x-repo-commit', commit);
  const path = checkFilePath(filePath.replace(/^\/+/, ''));
  const file = (await listFiles(repo.gitDir, commit)).find((entry) => entry.path === path);
  if (!file) throw new ModaError('HUB_ENTRY_NOT_FOUND', `${path} does not exist at ${commit}`);

  const fileName = path.slice(path.lastIndexOf('/') + 1);
  reply.header('etag', `"${file.lfs ? file.lfs.oid : file.blobId}"`);
  reply.header('accept-ranges', 'bytes');
  reply.header('content-type', 'application/octet-stream');
  reply.header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(fileName)}; filename="${fileName.replace(/[^\x20-\x7e]|"/g, '_')}"`);
  reply.header('cache-control', 'private, max-age=0, must-revalidate');

  let range: ByteRange | undefined;
  try {
    range = parseRange(request.headers.range, file.size);
  } catch (error) {
    reply.header('content-range', `bytes */${file.size}`);
    throw error;
  }
  reply.header('content-length', String(range ? range.end - range.start + 1 : file.size));
  if (range) {
    reply.code(206);
    reply.header('content-range', `bytes ${range.start}-${range.end}/${file.size}`);
  }
  if (request.method === 'HEAD') return reply.send();
  // One download per fetch from the start; resumed and parallel later parts do not count.
  if (!range || range.start === 0) {
    recordDownload(hub, repo.id).catch((error: unknown) => request.log.warn({ err: error }, 'download counter not updated'));
  }
  if (file.size === 0) return reply.send('');
  return sendRepoFile(reply, hub, repo.gitDir, file, range);
}
