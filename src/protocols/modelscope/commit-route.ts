// ModelScope uploads, step 3: `POST /api/v1/repos/{type}s/{owner}/{name}/commit/{revision}` turns
// the actions into one commit on a branch and answers `Data.oid`. Every LFS object is checked
// before anything is written, so a refused commit leaves the branch head where it was.
import type { FastifyInstance } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import { visibleLfsObjectSize } from '../../hub/lfs-object-access.js';
import { commitChanges } from '../../hub/repos/commit-changes.js';
import { findRepo } from '../../hub/repos/repo-record.js';
import { parseCommitPayload } from './commit-actions.js';
import { ok } from './envelope.js';
import { resolveWriteBranch } from './revisions.js';
import { repoTypeOfPlural } from './wire-fields.js';

export function registerCommitRoute(app: FastifyInstance, hub: HubContext): void {
  // A branch name may hold slashes, which the SDK puts into the path unencoded.
  app.post('/repos/:plural/:owner/:name/commit/*', { bodyLimit: hub.config.maxCommitBytes, config: { commitBody: true } }, async (request) => {
    const params = request.params as { plural: string; owner: string; name: string; '*': string };
    const type = repoTypeOfPlural(params.plural);
    const parsed = parseCommitPayload(request.body);
    const repo = await findRepo(hub, request.actor, type, `${params.owner}/${params.name}`, 'write');
    const branch = await resolveWriteBranch(repo, params['*']);
    for (const operation of parsed.operations) {
      if (operation.kind !== 'lfsFile') continue;
      // An object the caller may not know of is answered as absent: its size stays secret too.
      const size = await visibleLfsObjectSize(hub, request.actor, repo.id, operation.oid);
      if (size === undefined) throw new ModaError('LFS_OBJECT_MISSING', `${operation.path}: object ${operation.oid} has not been uploaded; run the lfs batch and PUT it first`);
      if (size !== operation.size) {
        throw new ModaError('LFS_OBJECT_MISMATCH', `${operation.path}: object ${operation.oid} has ${size} bytes, the action says ${operation.size}`);
      }
    }
    const result = await commitChanges(hub, request.actor, repo, { branch, operations: parsed.operations, summary: parsed.summary, description: parsed.description });
    return ok(request, { oid: result.commitOid, Revision: result.branch });
  });
}
