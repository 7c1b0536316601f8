// `GET /api/{models|datasets}/{ns}/{name}/commit/{rev}`: one commit and the files it added, modified
// and deleted, for the web UI's commit page. The Hugging Face API has no such read, so the path
// mirrors its `POST …/commit/{rev}` write; visibility is the same as every other read route.
import type { FastifyInstance } from 'fastify';
import { commitDiff } from '../../hub/commit-diff.js';
import type { HubContext } from '../../hub/context.js';
import { findRepo } from '../../hub/repos/repo-record.js';
import { REPO_KINDS, repoIdOf, type RepoParams } from './repo-route-params.js';

export function registerCommitDiffRoute(app: FastifyInstance, hub: HubContext): void {
  for (const kind of REPO_KINDS) {
    app.get(`/api/${kind.api}/:namespace/:name/commit/:revision`, async (request, reply) => {
      const params = request.params as RepoParams & { revision: string };
      // The repo first: a caller who may not read it learns nothing about its commits.
      const repo = await findRepo(hub, request.actor, kind.type, repoIdOf(params));
      const diff = await commitDiff(repo.gitDir, params.revision);
      reply.header('x-repo-commit', diff.id);
      return diff;
    });
  }
}
