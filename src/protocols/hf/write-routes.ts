// Hugging Face write API: create/delete repos, settings, branches, tags, preupload, NDJSON commits
// and likes. Each handler checks the body shape and calls hub/.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isModaError, ModaError } from '../../errors/moda-error.js';
import type { RepoType } from '../../db/schema.js';
import { requireUser } from '../../hub/actor.js';
import type { HubContext } from '../../hub/context.js';
import { lfsPatterns, matchesAny } from '../../hub/gitattributes.js';
import { listFiles, readSmallFile } from '../../hub/list-files.js';
import { checkFilePath, repoUrlPrefix } from '../../hub/paths.js';
import { resolveRevision } from '../../hub/refs.js';
import { commitChanges } from '../../hub/repos/commit-changes.js';
import { setLike } from '../../hub/repos/counters.js';
import { createRepo } from '../../hub/repos/create-repo.js';
import { deleteRepo } from '../../hub/repos/delete-repo.js';
import { createBranch, createTag, deleteBranch, deleteTag } from '../../hub/repos/manage-refs.js';
import { requireStorageLeft } from '../../hub/quotas/storage-quota.js';
import { findRepo } from '../../hub/repos/repo-record.js';
import { updateSettings } from '../../hub/repos/update-settings.js';
import { parseCommitBody } from './commit-body.js';
import { flag, REPO_KINDS, repoIdOf, type RepoParams } from './repo-route-params.js';

type Body = Record<string, unknown>;

function body(value: unknown): Body {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ModaError('VALIDATION_FAILED', 'the body must be a JSON object');
  return value as Body;
}

function optionalString(value: Body, key: string): string | undefined {
  const field = value[key];
  if (field === undefined || field === null) return undefined;
  if (typeof field !== 'string') throw new ModaError('VALIDATION_FAILED', `${key} must be a string`);
  return field;
}

function repoTypeOf(value: unknown): RepoType {
  if (value === undefined || value === null || value === 'model') return 'model';
  if (value === 'dataset') return 'dataset';
  throw new ModaError('VALIDATION_FAILED', `type must be "model" or "dataset" (got ${JSON.stringify(value)})`);
}

/** `{name, organization}` or `{name: "ns/name"}` → `ns/name`, defaulting to the caller's namespace. */
function repoIdFromBody(value: Body, user: string): string {
  const name = optionalString(value, 'name');
  if (!name) throw new ModaError('VALIDATION_FAILED', 'name is required');
  if (name.includes('/')) return name;
  return `${optionalString(value, 'organization') ?? user}/${name}`;
}

/** `private: bool` (huggingface_hub) or `visibility: public|private|protected` (@huggingface/hub). */
function isPrivate(input: Body): boolean {
  if (input.private !== undefined && input.private !== null && typeof input.private !== 'boolean') throw new ModaError('VALIDATION_FAILED', 'private must be a boolean');
  const visibility = input.visibility;
  if (visibility === undefined || visibility === null) return input.private === true;
  if (visibility === 'public') return false;
  // "protected" (visible to the org only) has no weaker equivalent here yet; it is stored as private.
  if (visibility === 'private' || visibility === 'protected') return true;
  throw new ModaError('VALIDATION_FAILED', 'visibility must be "public", "private" or "protected"');
}

function initialFiles(value: unknown): { path: string; content: Uint8Array }[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new ModaError('VALIDATION_FAILED', 'files must be a list');
  return value.map((entry: unknown) => {
    const file = body(entry);
    const path = optionalString(file, 'path');
    const content = optionalString(file, 'content') ?? '';
    if (!path) throw new ModaError('VALIDATION_FAILED', 'each file needs a path');
    return { path, content: Buffer.from(content, file.encoding === 'base64' ? 'base64' : 'utf8') };
  });
}

/** LFS oid → size of the files at the head of a branch (none when the branch does not exist yet). */
async function branchLfsSizes(gitDir: string, branch: string): Promise<Map<string, number>> {
  const head = await resolveRevision(gitDir, branch).catch(() => undefined);
  if (!head) return new Map();
  return new Map((await listFiles(gitDir, head.commit)).flatMap((file) => (file.lfs ? [[file.lfs.oid, file.lfs.size] as const] : [])));
}

export function registerWriteRoutes(app: FastifyInstance, hub: HubContext, baseUrl: (request: FastifyRequest) => string): void {
  app.post('/api/repos/create', async (request, reply) => {
    const input = body(request.body);
    const user = requireUser(request.actor);
    const type = repoTypeOf(input.type);
    const repoId = repoIdFromBody(input, user);
    const url = `${baseUrl(request)}/${repoUrlPrefix(type)}${repoId}`;
    const repo = await createRepo(hub, request.actor, {
      type,
      repoId,
      private: isPrivate(input),
      license: optionalString(input, 'license'),
      files: initialFiles(input.files),
    }).catch((error: unknown) => {
      // huggingface_hub's create_repo(exist_ok=True) reads `url` from the Hub's 409 body.
      if (isModaError(error) && error.code === 'HUB_REPO_EXISTS') throw new ModaError('HUB_REPO_EXISTS', error.message, { cause: error, details: { url } });
      throw error;
    });
    reply.code(200);
    return { url: `${baseUrl(request)}/${repoUrlPrefix(type)}${repo.fullName}`, name: repo.fullName, id: repo.id };
  });

  app.delete('/api/repos/delete', async (request) => {
    const input = body(request.body);
    const user = requireUser(request.actor);
    await deleteRepo(hub, request.actor, repoTypeOf(input.type), repoIdFromBody(input, user));
    return {};
  });

  for (const kind of REPO_KINDS) {
    const base = `/api/${kind.api}/:namespace/:name`;

    app.put(`${base}/settings`, async (request) => {
      const input = body(request.body);
      if (input.private !== undefined && typeof input.private !== 'boolean') throw new ModaError('VALIDATION_FAILED', 'private must be a boolean');
      if (input.allowForcePush !== undefined && typeof input.allowForcePush !== 'boolean') throw new ModaError('VALIDATION_FAILED', 'allowForcePush must be a boolean');
      const repo = await updateSettings(hub, request.actor, kind.type, repoIdOf(request.params as RepoParams), {
        private: input.private as boolean | undefined,
        allowForcePush: input.allowForcePush as boolean | undefined,
      });
      return { private: repo.row.private === 1 };
    });

    app.post(`${base}/branch/:branch`, async (request) => {
      const params = request.params as RepoParams & { branch: string };
      const input = request.body === undefined || request.body === null ? {} : body(request.body);
      const repo = await findRepo(hub, request.actor, kind.type, repoIdOf(params), 'write');
      await createBranch(hub, repo, params.branch, optionalString(input, 'startingPoint'));
      return {};
    });

    app.delete(`${base}/branch/:branch`, async (request) => {
      const params = request.params as RepoParams & { branch: string };
      const repo = await findRepo(hub, request.actor, kind.type, repoIdOf(params), 'write');
      await deleteBranch(hub, repo, params.branch);
      return {};
    });

    app.post(`${base}/tag/:revision`, async (request) => {
      const params = request.params as RepoParams & { revision: string };
      const input = body(request.body);
      const tag = optionalString(input, 'tag');
      if (!tag) throw new ModaError('VALIDATION_FAILED', 'tag is required');
      const repo = await findRepo(hub, request.actor, kind.type, repoIdOf(params), 'write');
      await createTag(hub, request.actor, repo, tag, params.revision, optionalString(input, 'message'));
      return {};
    });

    app.delete(`${base}/tag/:tag`, async (request) => {
      const params = request.params as RepoParams & { tag: string };
      const repo = await findRepo(hub, request.actor, kind.type, repoIdOf(params), 'write');
      await deleteTag(hub, repo, params.tag);
      return {};
    });

    app.post(`${base}/preupload/:revision`, async (request) => {
      const params = request.params as RepoParams & { revision: string };
      const input = body(request.body);
      if (!Array.isArray(input.files)) throw new ModaError('VALIDATION_FAILED', 'files must be a list');
      const repo = await findRepo(hub, request.actor, kind.type, repoIdOf(params), 'write');
      await requireStorageLeft(hub, repo.row.namespace);
      const { commit } = await resolveRevision(repo.gitDir, params.revision).catch(() => resolveRevision(repo.gitDir, repo.row.default_branch));
      const attributes = typeof input.gitAttributes === 'string' ? input.gitAttributes : (await readSmallFile(repo.gitDir, commit, '.gitattributes'))?.toString('utf8') ?? '';
      const patterns = lfsPatterns(attributes);
      const existing = new Map((await listFiles(repo.gitDir, commit)).map((file) => [file.path, file]));
      return {
        files: input.files.map((entry: unknown) => {
          const file = body(entry);
          const path = checkFilePath(optionalString(file, 'path') ?? '');
          const size = file.size;
          if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new ModaError('VALIDATION_FAILED', `size of ${path} must be a non-negative integer`);
          const sample = Buffer.from(optionalString(file, 'sample') ?? '', 'base64');
          // Binary content (a NUL byte in the first 512 bytes), a large file or an LFS pattern → LFS.
          const lfs = size >= hub.config.lfsThresholdBytes || matchesAny(path, patterns) || sample.includes(0);
          const current = existing.get(path);
          return { path, uploadMode: lfs ? 'lfs' : 'regular', shouldIgnore: false, ...(current && { oid: current.lfs?.oid ?? current.blobId }) };
        }),
        commitOid: commit,
      };
    });

    app.post(`${base}/commit/:revision`, { bodyLimit: hub.config.maxCommitBytes, config: { commitBody: true } }, async (request) => {
      const params = request.params as RepoParams & { revision: string };
      // Access first: a caller who may not write learns nothing from how its body is parsed.
      const repo = await findRepo(hub, request.actor, kind.type, repoIdOf(params), 'write');
      if (flag((request.query as Record<string, unknown>).create_pr)) {
        throw new ModaError('BAD_REQUEST', 'pull requests are not supported yet; commit to a branch instead');
      }
      const text = typeof request.body === 'string' ? request.body : Buffer.isBuffer(request.body) ? request.body.toString('utf8') : undefined;
      if (text === undefined) throw new ModaError('NDJSON_INVALID', 'send the commit as application/x-ndjson');
      const parsed = parseCommitBody(text, text.includes('"lfsFile"') ? await branchLfsSizes(repo.gitDir, params.revision) : undefined);
      const result = await commitChanges(hub, request.actor, repo, {
        branch: params.revision,
        operations: parsed.operations,
        summary: parsed.summary,
        description: parsed.description,
        parentCommit: parsed.parentCommit,
      });
      return {
        success: true,
        commitOid: result.commitOid,
        commitUrl: `${baseUrl(request)}/${repoUrlPrefix(kind.type)}${repo.fullName}/commit/${result.commitOid}`,
        commitMessage: parsed.summary,
        hookOutput: '',
      };
    });

    app.post(`${base}/like`, async (request) => {
      const repo = await findRepo(hub, request.actor, kind.type, repoIdOf(request.params as RepoParams));
      return { likes: await setLike(hub, request.actor, repo, true) };
    });
    app.delete(`${base}/like`, async (request) => {
      const repo = await findRepo(hub, request.actor, kind.type, repoIdOf(request.params as RepoParams));
      return { likes: await setLike(hub, request.actor, repo, false) };
    });
  }
}
