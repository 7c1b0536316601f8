// Hugging Face routes that rename a repo, squash a branch's history and list likes
// (huggingface_hub move_repo, super_squash_history, list_liked_repos, list_repo_likers).
import type { FastifyInstance } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import type { RepoType } from '../../db/schema.js';
import type { HubContext } from '../../hub/context.js';
import { checkRefName } from '../../hub/paths.js';
import { listLikes } from '../../hub/repos/counters.js';
import { moveRepo } from '../../hub/repos/move-repo.js';
import { canRead, findRepo } from '../../hub/repos/repo-record.js';
import { squashHistory } from '../../hub/repos/squash-history.js';
import { REPO_KINDS, repoIdOf, type RepoParams } from './repo-route-params.js';

function objectBody(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ModaError('VALIDATION_FAILED', 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

function repoIdField(input: Record<string, unknown>, key: string): string {
  const value = input[key];
  if (typeof value !== 'string' || !value.includes('/')) throw new ModaError('VALIDATION_FAILED', `${key} must be "namespace/name"`);
  return value;
}

export function registerRepoHistoryRoutes(app: FastifyInstance, hub: HubContext): void {
  app.post('/api/repos/move', async (request) => {
    const input = objectBody(request.body);
    const type = input.type === undefined || input.type === null || input.type === 'model' ? 'model' : input.type === 'dataset' ? 'dataset' : undefined;
    if (!type) throw new ModaError('VALIDATION_FAILED', 'type must be "model" or "dataset"');
    const repo = await moveRepo(hub, request.actor, type satisfies RepoType, repoIdField(input, 'fromRepo'), repoIdField(input, 'toRepo'));
    return { name: repo.fullName, id: repo.id };
  });

  for (const kind of REPO_KINDS) {
    app.post(`/api/${kind.api}/:namespace/:name/super-squash/:branch`, async (request) => {
      const params = request.params as RepoParams & { branch: string };
      const input = request.body === undefined || request.body === null ? {} : objectBody(request.body);
      const message = input.message === undefined || input.message === null ? `Super-squash branch '${params.branch}'` : input.message;
      if (typeof message !== 'string' || message.trim() === '') throw new ModaError('VALIDATION_FAILED', 'message must be a non-empty string');
      const repo = await findRepo(hub, request.actor, kind.type, repoIdOf(params), 'write');
      const commit = await squashHistory(hub, request.actor, repo, checkRefName(params.branch), message);
      return { commitOid: commit };
    });
  }

  for (const kind of REPO_KINDS) {
    // Who liked a repo the caller may read (huggingface_hub list_repo_likers).
    app.get(`/api/${kind.api}/:namespace/:name/likers`, async (request) => {
      const repo = await findRepo(hub, request.actor, kind.type, repoIdOf(request.params as RepoParams));
      const rows = await hub.db
        .selectFrom('likes')
        .innerJoin('users', 'users.name', 'likes.user')
        .select(['users.name', 'users.fullname'])
        .where('likes.repo_id', '=', repo.id)
        .orderBy('likes.created_at', 'desc')
        .execute();
      return rows.map((row) => ({ user: row.name, fullname: row.fullname, avatarUrl: '' }));
    });
  }

  // Only likes of repos the caller may read are listed: a like must not reveal a private repo.
  app.get('/api/users/:user/likes', async (request) => {
    const { user } = request.params as { user: string };
    const likes = await listLikes(hub, user);
    const readable = await Promise.all(
      likes.map(async (like) => {
        const row = await hub.db.selectFrom('repos').select(['private', 'visibility', 'namespace']).where('type', '=', like.type as RepoType).where('key', '=', like.repoId.toLowerCase()).executeTakeFirst();
        return row !== undefined && canRead(request.actor, row);
      }),
    );
    return likes.filter((_, index) => readable[index]).map((like) => ({ createdAt: like.createdAt, repo: { name: like.repoId, type: like.type } }));
  });
}
