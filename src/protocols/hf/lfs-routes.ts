// The Git LFS batch API (https://github.com/git-lfs/git-lfs/blob/main/docs/api/batch.md) on
// `/{repo}.git/info/lfs/…`, shared by git-lfs and @huggingface/hub. Object hrefs are signed and
// expiring, so clients that PUT without credentials (as @huggingface/hub does) are still authorised.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import { repoLfsObject } from '../../hub/lfs-object-access.js';
import { recordLfsObjects } from '../../hub/lfs-object-index.js';
import { openLocalBlob } from '../../hub/open-file-content.js';
import { chargeStorage, storageQuotaError } from '../../hub/quotas/storage-quota.js';
import { findRepo, type RepoRecord } from '../../hub/repos/repo-record.js';
import { MAX_PARTS_UPLOAD_BYTES, SHA256_HEX } from '../../storage/blob-store.js';
import { signLfsGrant, verifyLfsGrant, type LfsGrant } from '../../server/lfs-signature.js';
import { redirectToBlob, sendFileRegion } from '../../server/send-file-region.js';
import { REPO_KINDS, type RepoParams } from './repo-route-params.js';

const LFS_JSON = 'application/vnd.git-lfs+json';
const HREF_TTL_SECONDS = 3600;

interface BatchObject {
  oid: string;
  size: number;
}

function gitRepoId(params: RepoParams): string {
  if (!params.name.endsWith('.git')) throw new ModaError('NOT_FOUND', 'LFS routes live under /{repo}.git/info/lfs');
  return `${params.namespace}/${params.name.slice(0, -4)}`;
}

function parseBatch(body: unknown): { operation: 'upload' | 'download'; objects: unknown[]; transfers: string[] } {
  const value = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (value.operation !== 'upload' && value.operation !== 'download') throw new ModaError('VALIDATION_FAILED', 'operation must be "upload" or "download"');
  if (!Array.isArray(value.objects)) throw new ModaError('VALIDATION_FAILED', 'objects must be a list');
  if (value.objects.length > 1000) throw new ModaError('VALIDATION_FAILED', 'at most 1000 objects per batch');
  const algo = value.hash_algo;
  if (algo !== undefined && algo !== 'sha256' && algo !== 'sha_256') throw new ModaError('VALIDATION_FAILED', 'only sha256 objects are supported');
  const transfers = Array.isArray(value.transfers) ? value.transfers.filter((transfer): transfer is string => typeof transfer === 'string') : ['basic'];
  return { operation: value.operation, objects: value.objects, transfers };
}

/**
 * Hugging Face's `multipart` transfer (what @huggingface/hub asks for): objects of more than one part
 * are uploaded by the client straight into the S3 store with presigned part URLs, then completed
 * through a signed `href`, where the server hashes what the store holds before the object appears.
 */
const MULTIPART_MIN_BYTES = 8 * 1024 * 1024;

function isObject(value: unknown): value is BatchObject {
  const candidate = value as Partial<BatchObject>;
  return typeof candidate?.oid === 'string' && SHA256_HEX.test(candidate.oid) && typeof candidate.size === 'number' && Number.isSafeInteger(candidate.size) && candidate.size >= 0;
}

export function registerLfsRoutes(app: FastifyInstance, hub: HubContext, secret: string, baseUrl: (request: FastifyRequest) => string): void {
  for (const kind of REPO_KINDS) {
    const root = `${kind.prefix}/:namespace/:name/info/lfs`;
    const objectHref = (request: FastifyRequest, repo: RepoRecord, grant: LfsGrant) =>
      `${baseUrl(request)}${kind.prefix}/${repo.fullName}.git/info/lfs/objects/${grant.oid}?size=${grant.size}&sig=${signLfsGrant(secret, grant, HREF_TTL_SECONDS)}`;

    app.post(`${root}/objects/batch`, { config: { envelope: 'lfs' } }, async (request, reply) => {
      const { operation, objects, transfers } = parseBatch(request.body);
      const partsUpload = operation === 'upload' && transfers.includes('multipart') ? hub.blobs.startPartsUpload?.bind(hub.blobs) : undefined;
      let usedMultipart = false;
      const repo = await findRepo(hub, request.actor, kind.type, gitRepoId(request.params as RepoParams), operation === 'upload' ? 'write' : 'read');
      const overQuota = operation === 'upload' ? await chargeStorage(hub, repo.row.namespace, objects.filter((object) => isObject(object) && object.size <= hub.config.maxLfsObjectBytes) as BatchObject[]) : new Set<string>();
      const answers = await Promise.all(
        objects.map(async (object) => {
          if (!isObject(object)) {
            const oid = typeof (object as { oid?: unknown })?.oid === 'string' ? (object as { oid: string }).oid : '';
            return { oid, size: (object as { size?: unknown })?.size ?? 0, error: { code: 422, message: 'oid must be a sha256 hex digest and size a non-negative integer' } };
          }
          if (object.size > hub.config.maxLfsObjectBytes) {
            return { ...object, error: { code: 422, message: `object larger than ${hub.config.maxLfsObjectBytes} bytes` } };
          }
          if (overQuota.has(object.oid)) return { ...object, error: { code: 413, message: storageQuotaError(hub, repo.row.namespace, [object.oid]).message } };
          // Only objects this repo references exist, as far as its callers can tell.
          const stored = await repoLfsObject(hub, repo.id, object.oid, operation === 'download' ? undefined : object.size);
          const grant: LfsGrant = { operation, repoKey: repo.id, oid: object.oid, size: stored?.size ?? object.size };
          if (operation === 'download') {
            if (!stored) return { ...object, error: { code: 404, message: 'object does not exist' } };
            return { oid: object.oid, size: stored.size, authenticated: true, actions: { download: { href: objectHref(request, repo, grant), expires_in: HREF_TTL_SECONDS } } };
          }
          // Stored but not referenced here: the client uploads it, proving it holds the content.
          if (stored) return { ...object, authenticated: true };
          const verify = { href: `${baseUrl(request)}${kind.prefix}/${repo.fullName}.git/info/lfs/verify`, expires_in: HREF_TTL_SECONDS };
          if (partsUpload && object.size >= MULTIPART_MIN_BYTES && object.size <= MAX_PARTS_UPLOAD_BYTES) {
            const started = await partsUpload(object, HREF_TTL_SECONDS);
            usedMultipart = true;
            const header: Record<string, string> = { chunk_size: String(started.partBytes) };
            started.urls.forEach((url, index) => (header[String(index + 1).padStart(5, '0')] = url));
            const complete = `${objectHref(request, repo, grant).replace(`/objects/${grant.oid}?`, `/objects/${grant.oid}/complete?`)}&upload=${encodeURIComponent(started.uploadId)}`;
            return { ...object, authenticated: true, actions: { upload: { href: complete, header, expires_in: HREF_TTL_SECONDS }, verify } };
          }
          return {
            ...object,
            authenticated: true,
            actions: {
              upload: { href: objectHref(request, repo, grant), expires_in: HREF_TTL_SECONDS },
              verify: { href: `${baseUrl(request)}${kind.prefix}/${repo.fullName}.git/info/lfs/verify`, expires_in: HREF_TTL_SECONDS },
            },
          };
        }),
      );
      reply.type(LFS_JSON);
      return { transfer: usedMultipart ? 'multipart' : 'basic', objects: answers, hash_algo: 'sha256' };
    });

    app.post(`${root}/verify`, { config: { envelope: 'lfs' } }, async (request, reply) => {
      const repo = await findRepo(hub, request.actor, kind.type, gitRepoId(request.params as RepoParams), 'read');
      if (!isObject(request.body)) throw new ModaError('VALIDATION_FAILED', 'body must be {oid, size}');
      const stored = await repoLfsObject(hub, repo.id, request.body.oid, request.body.size);
      if (!stored) throw new ModaError('LFS_OBJECT_MISSING', `object ${request.body.oid} is not stored in ${repo.fullName}`);
      reply.type(LFS_JSON);
      return { oid: stored.oid, size: stored.size };
    });

    const authorise = async (request: FastifyRequest, operation: 'upload' | 'download') => {
      const params = request.params as RepoParams & { oid: string };
      const query = request.query as { size?: string; sig?: string };
      if (!SHA256_HEX.test(params.oid)) throw new ModaError('BAD_REQUEST', 'oid must be a sha256 hex digest');
      const size = Number(query.size);
      const repoId = gitRepoId(params);
      const lookup = await hub.db.selectFrom('repos').select('id').where('type', '=', kind.type).where('key', '=', repoId.toLowerCase()).executeTakeFirst();
      if (lookup && query.sig !== undefined && Number.isSafeInteger(size) && verifyLfsGrant(secret, { operation, repoKey: lookup.id, oid: params.oid, size }, query.sig)) {
        return { oid: params.oid, size, repoId: lookup.id };
      }
      // No valid signature: fall back to the request's own credentials (git-lfs sends them).
      const repo = await findRepo(hub, request.actor, kind.type, repoId, operation === 'upload' ? 'write' : 'read');
      if (operation === 'upload' && !Number.isSafeInteger(size)) throw new ModaError('BAD_REQUEST', 'size query parameter is required');
      return { oid: params.oid, size, repoId: repo.id };
    };

    // Completion of a `multipart` transfer: {oid, parts: [{partNumber, etag}]}, on the signed href.
    app.post(`${root}/objects/:oid/complete`, { config: { envelope: 'lfs' } }, async (request, reply) => {
      const { oid, size, repoId } = await authorise(request, 'upload');
      const uploadId = (request.query as { upload?: unknown }).upload;
      const body = (request.body ?? {}) as { oid?: unknown; parts?: unknown };
      if (typeof uploadId !== 'string' || uploadId === '') throw new ModaError('BAD_REQUEST', 'upload query parameter is required');
      if (body.oid !== undefined && body.oid !== oid) throw new ModaError('VALIDATION_FAILED', 'body oid differs from the URL');
      const parts = Array.isArray(body.parts) ? body.parts : undefined;
      if (!parts || parts.length === 0 || parts.length > 10_000 || !parts.every((part) => Number.isSafeInteger((part as { partNumber?: unknown })?.partNumber) && typeof (part as { etag?: unknown }).etag === 'string')) {
        throw new ModaError('VALIDATION_FAILED', 'parts must be a list of {partNumber, etag}');
      }
      if (!hub.blobs.completePartsUpload) throw new ModaError('BAD_REQUEST', 'this server keeps LFS objects in files: upload with the basic transfer');
      if (!(await repoLfsObject(hub, repoId, oid, size))) {
        await hub.blobs.completePartsUpload({ oid, size }, uploadId, parts as { partNumber: number; etag: string }[]);
        await recordLfsObjects(hub, repoId, [oid]);
      } else {
        // Another upload of the same object landed first: this one's parts are not needed.
        await hub.blobs.abortPartsUpload?.({ oid, size }, uploadId);
      }
      reply.type(LFS_JSON);
      return { oid, size };
    });

    app.get(`${root}/objects/:oid`, { config: { envelope: 'lfs' } }, async (request, reply) => {
      const { oid, repoId } = await authorise(request, 'download');
      // The repo must reference the object: knowing a sha256 opens nothing.
      const stored = await repoLfsObject(hub, repoId, oid);
      if (!stored) throw new ModaError('LFS_OBJECT_MISSING', `object ${oid} does not exist`);
      reply.header('content-length', String(stored.size));
      reply.type('application/octet-stream');
      if (hub.blobs.downloadUrl && !hub.config.blobProxy) return redirectToBlob(reply, hub, oid, {});
      const region = await openLocalBlob(hub, oid, stored.size, undefined);
      if (!region) return reply.send(await hub.blobs.read(oid));
      await sendFileRegion(reply, region);
      return reply;
    });

    // Uploads stream straight from the socket into the blob store: no body parser, no buffering.
    void app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
      scope.put(`${root}/objects/:oid`, { config: { envelope: 'lfs' } }, async (request, reply) => {
        const { oid, size, repoId } = await authorise(request, 'upload');
        if (size > hub.config.maxLfsObjectBytes) throw new ModaError('LFS_OBJECT_TOO_LARGE', `object larger than ${hub.config.maxLfsObjectBytes} bytes`);
        const declared = Number(request.headers['content-length'] ?? size);
        if (declared !== size) throw new ModaError('LFS_OBJECT_MISMATCH', `Content-Length ${declared} differs from the declared size ${size}`);
        // Skipped only when this repo already has it; otherwise the body is hashed even if the store
        // holds the object, so an upload proves possession and a bad body reveals nothing.
        if (await repoLfsObject(hub, repoId, oid, size)) {
          request.raw.resume();
          return reply.code(200).send();
        }
        const abort = new AbortController();
        request.raw.on('close', () => {
          if (!request.raw.complete) abort.abort();
        });
        await hub.blobs.write(request.raw, { oid, size }, abort.signal);
        await recordLfsObjects(hub, repoId, [oid]);
        return reply.code(200).send();
      });
    });
  }
}
