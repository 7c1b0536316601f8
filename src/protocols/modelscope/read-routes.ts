// ModelScope read API: model and dataset info, revisions, file listings and commit history. Each
// handler finds the repo with the caller's access checked, resolves the revision and maps the answer.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RepoType } from '../../db/schema.js';
import { isModaError, ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import { listFiles, readBlobs } from '../../hub/list-files.js';
import { LruCache } from '../../hub/lru-cache.js';
import { findRepo, type RepoRecord } from '../../hub/repos/repo-record.js';
import { commitHistory } from './commit-history.js';
import { ok } from './envelope.js';
import { listFileEntries } from './file-entries.js';
import { datasetSummary, modelSummary } from './repo-summary.js';
import { resolveReadRevision, revisionMap } from './revisions.js';
import { booleanField, integerField, optionalString, type Fields } from './wire-fields.js';

interface RepoParams {
  owner: string;
  name: string;
}

const MAX_PAGE_SIZE = 1000;
const README_MAX_BYTES = 1024 * 1024;

function repoOf(hub: HubContext, request: FastifyRequest, type: RepoType): Promise<RepoRecord> {
  const { owner, name } = request.params as RepoParams;
  return findRepo(hub, request.actor, type, `${owner}/${name}`);
}

/** README text by git blob id (immutable): info requests then spawn no git process. */
const readmes = new LruCache<string, string>({ name: 'ms-readmes', maxEntries: 512, maxBytes: 32 * 1024 ** 2 });

async function readme(repo: RepoRecord, commit: string): Promise<string> {
  const file = (await listFiles(repo.gitDir, commit)).find((entry) => entry.path === 'README.md');
  if (!file || file.lfs || file.size > README_MAX_BYTES) return '';
  let text = readmes.get(file.blobId);
  if (text === undefined) {
    text = (await readBlobs(repo.gitDir, [file.blobId])).get(file.blobId)?.toString('utf8') ?? '';
    readmes.set(file.blobId, text);
  }
  return text;
}

export function registerReadRoutes(app: FastifyInstance, hub: HubContext): void {
  app.get('/models/:owner/:name', async (request) => {
    const repo = await repoOf(hub, request, 'model');
    const { commit, revision } = await resolveReadRevision(repo, optionalString(request.query as Fields, 'Revision'));
    return ok(request, { ...modelSummary(repo.row), Revision: revision, Sha: commit, ReadMeContent: await readme(repo, commit) });
  });

  app.get('/datasets/:owner/:name', async (request) => {
    const repo = await repoOf(hub, request, 'dataset');
    const { commit, revision } = await resolveReadRevision(repo, optionalString(request.query as Fields, 'Revision'));
    return ok(request, { ...datasetSummary(repo.row), Revision: revision, Sha: commit, ReadMeContent: await readme(repo, commit) });
  });

  app.get('/models/:owner/:name/revisions', async (request) => {
    const repo = await repoOf(hub, request, 'model');
    const query = request.query as Fields;
    const endTime = query.EndTime === undefined || query.EndTime === '' ? undefined : integerField(query, 'EndTime', 0);
    return ok(request, { RevisionMap: await revisionMap(repo, endTime) });
  });

  app.get('/models/:owner/:name/repo/files', async (request) => {
    const repo = await repoOf(hub, request, 'model');
    const query = request.query as Fields;
    const { commit } = await resolveReadRevision(repo, optionalString(query, 'Revision'));
    const files = await listFileEntries(repo, commit, { root: optionalString(query, 'Root'), recursive: booleanField(query, 'Recursive') });
    return ok(request, { Files: files, Revision: commit });
  });

  // The SDK's get_dataset_files first reads a dataset's Id from its info, then lists by that Id;
  // dataset_snapshot_download lists by owner/name.
  const datasetTree = async (request: FastifyRequest, repo: RepoRecord) => {
    const query = request.query as Fields;
    const { commit } = await resolveReadRevision(repo, optionalString(query, 'Revision'));
    const pageNumber = integerField(query, 'PageNumber', 1, { min: 1 });
    const pageSize = integerField(query, 'PageSize', 100, { min: 1, max: MAX_PAGE_SIZE });
    const recursive = query.Recursive === undefined ? true : booleanField(query, 'Recursive');
    const files = await listFileEntries(repo, commit, { root: optionalString(query, 'Root'), recursive });
    return ok(request, { Files: files.slice((pageNumber - 1) * pageSize, pageNumber * pageSize), TotalCount: files.length, Revision: commit });
  };
  app.get('/datasets/:id/repo/tree', async (request) => {
    const { id } = request.params as { id: string };
    const row = await hub.db.selectFrom('repos').select(['namespace', 'name']).where('type', '=', 'dataset').where('id', '=', id).executeTakeFirst();
    if (!row) throw new ModaError('HUB_REPO_NOT_FOUND', `Dataset ${id} not found`);
    // The caller named an Id: a refusal must not tell it the private name behind that Id.
    const repo = await findRepo(hub, request.actor, 'dataset', `${row.namespace}/${row.name}`).catch((error: unknown) => {
      if (isModaError(error)) throw new ModaError(error.code, `Dataset ${id} not found or not readable with these credentials`);
      throw error;
    });
    return datasetTree(request, repo);
  });
  app.get('/datasets/:owner/:name/repo/tree', async (request) => datasetTree(request, await repoOf(hub, request, 'dataset')));

  for (const [plural, type] of [['models', 'model'], ['datasets', 'dataset']] as const) {
    app.get(`/${plural}/:owner/:name/commits`, async (request) => {
      const repo = await repoOf(hub, request, type);
      const query = request.query as Fields;
      const { commit } = await resolveReadRevision(repo, optionalString(query, 'Ref') ?? optionalString(query, 'Revision'));
      const pageNumber = integerField(query, 'PageNumber', 1, { min: 1 });
      const pageSize = integerField(query, 'PageSize', 50, { min: 1, max: MAX_PAGE_SIZE });
      const { commits, total } = await commitHistory(repo.gitDir, commit, (pageNumber - 1) * pageSize, pageSize);
      // The SDK reads TotalCount beside Data (CommitHistoryResponse.from_api_response).
      return { ...ok(request, { Commit: commits, TotalCount: total }), TotalCount: total };
    });
  }
}
