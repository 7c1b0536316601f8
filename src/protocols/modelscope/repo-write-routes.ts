// ModelScope repo management: create, delete and list models, tag a revision, delete a file.
// Bodies are checked field by field so a wrong field names itself in the error.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import type { RepoType } from '../../db/schema.js';
import type { HubContext } from '../../hub/context.js';
import { commitChanges } from '../../hub/repos/commit-changes.js';
import { createRepo } from '../../hub/repos/create-repo.js';
import { deleteRepo } from '../../hub/repos/delete-repo.js';
import { createTag } from '../../hub/repos/manage-refs.js';
import { findRepo } from '../../hub/repos/repo-record.js';
import { countRepos, searchRepos } from '../../hub/repos/search-repos.js';
import { ok } from './envelope.js';
import { licenseId } from './licenses.js';
import { modelSummary } from './repo-summary.js';
import { resolveReadRevision, resolveWriteBranch } from './revisions.js';
import { integerField, jsonBody, optionalString, requiredString, visibilityCode, visibilityFromCode, type Fields } from './wire-fields.js';

/** Branch a repo made through the ModelScope API starts on, as on ModelScope itself. */
export const MODELSCOPE_DEFAULT_BRANCH = 'master';

const RESERVED_TAGS = ['main', 'master'];
const MAX_PAGE_SIZE = 100;

function repoIdOf(request: FastifyRequest): string {
  const { owner, name } = request.params as { owner: string; name: string };
  return `${owner}/${name}`;
}

export function registerRepoWriteRoutes(app: FastifyInstance, hub: HubContext): void {
  app.post('/models', async (request) => {
    const body = jsonBody(request.body);
    const owner = requiredString(body, 'Path');
    const name = requiredString(body, 'Name');
    if (body.Visibility === undefined || body.Visibility === null) throw new ModaError('VALIDATION_FAILED', 'Visibility is required: 1 (private), 3 (internal) or 5 (public)');
    const visibility = visibilityFromCode(body.Visibility);
    const repo = await createRepo(hub, request.actor, {
      type: 'model',
      repoId: `${owner}/${name}`,
      visibility,
      chineseName: optionalString(body, 'ChineseName'),
      license: licenseId(optionalString(body, 'License')),
      defaultBranch: MODELSCOPE_DEFAULT_BRANCH,
    });
    return ok(request, { Id: repo.id, Path: repo.row.namespace, Name: repo.row.name, Visibility: visibilityCode(visibility), DefaultBranch: repo.row.default_branch });
  });

  // SDK: list_models sends the body with no Content-Type, to `/api/v1/models/` with the slash.
  const listModels = async (request: FastifyRequest) => {
    const body = jsonBody(request.body);
    const owner = requiredString(body, 'Path');
    const pageNumber = integerField(body, 'PageNumber', 1, { min: 1 });
    const pageSize = integerField(body, 'PageSize', 10, { min: 1, max: MAX_PAGE_SIZE });
    const query = { type: 'model' as const, author: owner, sort: 'lastModified' as const, direction: -1 as const };
    const [page, total] = await Promise.all([
      searchRepos(hub, request.actor, { ...query, limit: pageSize, offset: (pageNumber - 1) * pageSize }),
      countRepos(hub, request.actor, query),
    ]);
    return ok(request, { Models: page.rows.map(modelSummary), TotalCount: total, PageNumber: pageNumber, PageSize: pageSize });
  };
  app.put('/models/', listModels);
  app.put('/models', listModels);

  for (const [plural, type] of [['models', 'model'], ['datasets', 'dataset']] as const satisfies readonly (readonly [string, RepoType])[]) {
    // Datasets: the SDK's delete_dataset sends `DELETE /api/v1/datasets/{owner}/{name}` too.
    app.delete(`/${plural}/:owner/:name`, async (request) => {
      await deleteRepo(hub, request.actor, type, repoIdOf(request));
      return ok(request, {});
    });
  }

  app.post('/models/:owner/:name/repo/tag', async (request) => {
    const body = jsonBody(request.body);
    const tag = requiredString(body, 'TagName');
    if (RESERVED_TAGS.includes(tag.toLowerCase())) throw new ModaError('REVISION_INVALID', `tag name "${tag}" is reserved for branches`);
    const repo = await findRepo(hub, request.actor, 'model', repoIdOf(request), 'write');
    const { commit, revision } = await resolveReadRevision(repo, optionalString(body, 'Ref'));
    // An annotated tag records when it was made: revision lists order and filter tags by that time.
    await createTag(hub, request.actor, repo, tag, commit, `Tag ${tag} of ${revision}`);
    return ok(request, { TagName: tag, Ref: revision, CommitId: commit });
  });

  // Models: `DELETE …/file?Revision&FilePath`; datasets: `DELETE …/repo?FilePath` (SDK delete_files).
  for (const [route, type] of [['/models/:owner/:name/file', 'model'], ['/datasets/:owner/:name/repo', 'dataset']] as const) {
    app.delete(route, async (request) => {
      const query = request.query as Fields;
      const path = optionalString(query, 'FilePath');
      if (path === undefined || path === '') throw new ModaError('VALIDATION_FAILED', 'FilePath is required');
      const repo = await findRepo(hub, request.actor, type, repoIdOf(request), 'write');
      const branch = await resolveWriteBranch(repo, optionalString(query, 'Revision'));
      const result = await commitChanges(hub, request.actor, repo, { branch, operations: [{ kind: 'deletedFile', path }], summary: `Delete ${path}` });
      return ok(request, { CommitId: result.commitOid, Revision: result.branch });
    });
  }
}
