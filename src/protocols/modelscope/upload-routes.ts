// ModelScope uploads, step 1 and 2: `POST /api/v1/repos/{type}s/{owner}/{name}/info/lfs/objects/batch`
// answers `Data.objects[{oid, size, actions.upload.href}]` for the objects the store lacks, and the
// client PUTs each body to its href. Stored objects are left out of the list: the SDK of 1.30 reads
// `actions.upload.href` from every entry it gets, later ones treat a missing action as "stored".
// The href is signed like the Git LFS ones (server/lfs-signature.ts, repoKey = repo id) but points
// at a route of its own, because the SDK parses the PUT answer as a ModelScope envelope.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import { requireStorage } from '../../hub/quotas/storage-quota.js';
import { repoLfsObject } from '../../hub/lfs-object-access.js';
import { recordLfsObjects } from '../../hub/lfs-object-index.js';
import { findRepo } from '../../hub/repos/repo-record.js';
import { repoTypePlural } from '../../hub/paths.js';
import { signLfsGrant, verifyLfsGrant, type LfsGrant } from '../../server/lfs-signature.js';
import { SHA256_HEX } from '../../storage/blob-store.js';
import { ok } from './envelope.js';
import { jsonBody, repoTypeOfPlural } from './wire-fields.js';

const HREF_TTL_SECONDS = 3600;
const MAX_OBJECTS = 1000;

interface RepoParams {
  plural: string;
  owner: string;
  name: string;
}

interface ObjectSpec {
  oid: string;
  size: number;
}

function objectSpecs(body: unknown, maxSize: number): ObjectSpec[] {
  const fields = jsonBody(body);
  if (fields.operation !== undefined && fields.operation !== 'upload') throw new ModaError('VALIDATION_FAILED', 'operation must be "upload"');
  if (!Array.isArray(fields.objects)) throw new ModaError('VALIDATION_FAILED', 'objects must be a list of {oid, size}');
  if (fields.objects.length > MAX_OBJECTS) throw new ModaError('VALIDATION_FAILED', `at most ${MAX_OBJECTS} objects per batch`);
  return fields.objects.map((value: unknown, index) => {
    const spec = (typeof value === 'object' && value !== null ? value : {}) as Partial<ObjectSpec>;
    if (typeof spec.oid !== 'string' || !SHA256_HEX.test(spec.oid)) throw new ModaError('VALIDATION_FAILED', `objects[${index}].oid must be a lower-case sha256 hex digest`);
    if (typeof spec.size !== 'number' || !Number.isSafeInteger(spec.size) || spec.size < 0) throw new ModaError('VALIDATION_FAILED', `objects[${index}].size must be a non-negative integer`);
    if (spec.size > maxSize) throw new ModaError('LFS_OBJECT_TOO_LARGE', `objects[${index}] is larger than ${maxSize} bytes`);
    return { oid: spec.oid, size: spec.size };
  });
}

export function registerUploadRoutes(app: FastifyInstance, hub: HubContext, secret: string, baseUrl: (request: FastifyRequest) => string): void {
  const root = '/repos/:plural/:owner/:name/info/lfs/objects';

  app.post(`${root}/batch`, async (request) => {
    const params = request.params as RepoParams;
    const type = repoTypeOfPlural(params.plural);
    const objects = objectSpecs(request.body, hub.config.maxLfsObjectBytes);
    const repo = await findRepo(hub, request.actor, type, `${params.owner}/${params.name}`, 'write');
    await requireStorage(hub, repo.row.namespace, objects);
    const missing = [];
    for (const object of objects) {
      // Left out only when this repo references it: anything else is uploaded (and hashed) again.
      if (await repoLfsObject(hub, repo.id, object.oid, object.size)) continue;
      const grant: LfsGrant = { operation: 'upload', repoKey: repo.id, oid: object.oid, size: object.size };
      const href = `${baseUrl(request)}/api/v1/repos/${repoTypePlural(type)}/${repo.fullName}/info/lfs/objects/${object.oid}?size=${object.size}&sig=${signLfsGrant(secret, grant, HREF_TTL_SECONDS)}`;
      missing.push({ oid: object.oid, size: object.size, actions: { upload: { href, expires_in: HREF_TTL_SECONDS } } });
    }
    return ok(request, { objects: missing });
  });

  // Bodies stream from the socket into the blob store: no parser, no buffering.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    scope.put(`${root}/:oid`, async (request) => {
      const params = request.params as RepoParams & { oid: string };
      const query = request.query as { size?: string; sig?: string };
      const type = repoTypeOfPlural(params.plural);
      if (!SHA256_HEX.test(params.oid)) throw new ModaError('VALIDATION_FAILED', 'oid must be a lower-case sha256 hex digest');
      const size = Number(query.size);
      if (query.size === undefined || !Number.isSafeInteger(size) || size < 0) throw new ModaError('VALIDATION_FAILED', 'size query parameter is required');
      if (size > hub.config.maxLfsObjectBytes) throw new ModaError('LFS_OBJECT_TOO_LARGE', `object larger than ${hub.config.maxLfsObjectBytes} bytes`);
      const repoId = `${params.owner}/${params.name}`;
      const row = await hub.db.selectFrom('repos').select('id').where('type', '=', type).where('key', '=', repoId.toLowerCase()).executeTakeFirst();
      const signed = row !== undefined && verifyLfsGrant(secret, { operation: 'upload', repoKey: row.id, oid: params.oid, size }, query.sig);
      // Without a valid signature the caller's own credentials (the session cookie) must allow writing.
      const target = signed ? row.id : (await findRepo(hub, request.actor, type, repoId, 'write')).id;
      const declared = request.headers['content-length'];
      if (declared !== undefined && Number(declared) !== size) throw new ModaError('LFS_OBJECT_MISMATCH', `Content-Length ${declared} differs from the declared size ${size}`);
      if (await repoLfsObject(hub, target, params.oid, size)) {
        request.raw.resume();
        return ok(request, { oid: params.oid, size });
      }
      const abort = new AbortController();
      request.raw.on('close', () => {
        if (!request.raw.complete) abort.abort();
      });
      await hub.blobs.write(request.raw, { oid: params.oid, size }, abort.signal);
      await recordLfsObjects(hub, target, [params.oid]);
      return ok(request, { oid: params.oid, size });
    });
  });
}
