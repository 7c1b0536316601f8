// `POST /api/blobs/stored {objects:[{oid,size}]}` → `{objects:[{oid,size,stored}]}`: which sha256
// objects the blob store already holds, asked before any repo exists. `moda pull` into a new repo
// uses it so weights imported under another name are not downloaded again (an LFS batch needs a
// repo to be asked through). An object counts as stored only when a repo the caller can read
// references it: the caller could download it from there anyway, and objects of repos they cannot
// read stay as unknown to them as absent ones (issue 18, High 1). The pull then names the object in
// its commit, which commitChanges allows under the same rule.
import type { FastifyInstance } from 'fastify';
import { requireWriteToken } from '../../hub/actor.js';
import type { HubContext } from '../../hub/context.js';
import { knownLfsObject } from '../../hub/lfs-object-access.js';
import { ModaError } from '../../errors/moda-error.js';
import { SHA256_HEX } from '../../storage/blob-store.js';

/** As many objects as one LFS batch may name. */
const MAX_OBJECTS = 1000;

interface ObjectQuery {
  oid: string;
  size: number;
}

function parseObjects(body: unknown): ObjectQuery[] {
  const objects = (body as { objects?: unknown } | null)?.objects;
  if (!Array.isArray(objects)) throw new ModaError('VALIDATION_FAILED', 'objects must be a list of {oid, size}');
  if (objects.length > MAX_OBJECTS) throw new ModaError('VALIDATION_FAILED', `at most ${MAX_OBJECTS} objects per request`);
  return objects.map((object: unknown, index) => {
    const candidate = object as Partial<ObjectQuery> | null;
    if (typeof candidate?.oid !== 'string' || !SHA256_HEX.test(candidate.oid)) throw new ModaError('VALIDATION_FAILED', `objects[${index}].oid must be a sha256 hex digest`);
    if (typeof candidate.size !== 'number' || !Number.isSafeInteger(candidate.size) || candidate.size < 0) {
      throw new ModaError('VALIDATION_FAILED', `objects[${index}].size must be a non-negative integer`);
    }
    return { oid: candidate.oid, size: candidate.size };
  });
}

export function registerStoredBlobsRoute(app: FastifyInstance, hub: HubContext): void {
  app.post('/api/blobs/stored', async (request) => {
    requireWriteToken(request.actor);
    const objects = parseObjects(request.body);
    return {
      objects: await Promise.all(
        objects.map(async (object) => {
          // A stored object of another size is not the one asked for (as in the LFS batch).
          const stored = await knownLfsObject(hub, request.actor, object.oid, object.size);
          return { ...object, stored: stored !== undefined };
        }),
      ),
    };
  });
}
