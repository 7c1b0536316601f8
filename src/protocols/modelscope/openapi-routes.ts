// The newer ModelScope `/openapi/v1` surface that modelscope ≥ 1.38 (its `modelscope_hub` package)
// tries first: the signed-in user, model and dataset listings and infos. Answers travel as
// `{success, data, request_id}` with snake_case fields and ISO 8601 UTC times; errors keep the
// ModelScope envelope, whose HTTP status the SDK maps to its exceptions (404 → fallback to /api/v1).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RepoType } from '../../db/schema.js';
import { ModaError } from '../../errors/moda-error.js';
import { requireUser } from '../../hub/actor.js';
import { getNamespace } from '../../hub/accounts/users.js';
import type { HubContext } from '../../hub/context.js';
import { findRepo, type RepoRow } from '../../hub/repos/repo-record.js';
import { countRepos, parseSort, searchRepos } from '../../hub/repos/search-repos.js';
import { licenseName } from './licenses.js';
import { integerField, optionalString, type Fields } from './wire-fields.js';

const MAX_PAGE_SIZE = 100;

function answer<T>(request: FastifyRequest, data: T) {
  return { success: true, data, request_id: request.id };
}

function tags(row: RepoRow): string[] {
  try {
    const parsed = JSON.parse(row.tags) as unknown;
    return Array.isArray(parsed) ? parsed.filter((tag): tag is string => typeof tag === 'string') : [];
  } catch {
    return [];
  }
}

function repoItem(row: RepoRow) {
  return {
    id: `${row.namespace}/${row.name}`,
    owner: row.namespace,
    name: row.name,
    display_name: row.chinese_name ?? '',
    private: row.private === 1,
    downloads: row.downloads,
    likes: row.likes,
    license: licenseName(row.license),
    tags: tags(row),
    tasks: row.pipeline_tag ? [row.pipeline_tag] : [],
    created_at: row.created_at,
    last_modified: row.last_modified,
  };
}

export function registerOpenApiRoutes(app: FastifyInstance, hub: HubContext): void {
  app.get('/users/me', async (request) => {
    const user = await getNamespace(hub, requireUser(request.actor));
    return answer(request, { id: user.name, username: user.name, email: user.email ?? '', avatar_url: '', description: user.fullname ?? '' });
  });

  for (const [plural, type] of [['models', 'model'], ['datasets', 'dataset']] as const satisfies readonly (readonly [string, RepoType])[]) {
    app.get(`/${plural}`, async (request) => {
      const query = request.query as Fields;
      const pageNumber = integerField(query, 'page_number', 1, { min: 1 });
      const pageSize = integerField(query, 'page_size', 10, { min: 1, max: MAX_PAGE_SIZE });
      const search = { type, author: optionalString(query, 'owner'), search: optionalString(query, 'search'), sort: parseSort(optionalString(query, 'sort') ?? 'lastModified'), direction: -1 as const };
      const [page, total] = await Promise.all([searchRepos(hub, request.actor, { ...search, limit: pageSize, offset: (pageNumber - 1) * pageSize }), countRepos(hub, request.actor, search)]);
      return answer(request, { [plural]: page.rows.map(repoItem), total_count: total, page_number: pageNumber, page_size: pageSize });
    });

    app.get(`/${plural}/:owner/:name`, async (request) => {
      const { owner, name } = request.params as { owner: string; name: string };
      const repo = await findRepo(hub, request.actor, type, `${owner}/${name}`);
      return answer(request, repoItem(repo.row));
    });
  }

  // Anything else of the newer surface (studios, skills, MCP servers) is not served by Moda.
  app.all('/*', async (request) => {
    throw new ModaError('NOT_FOUND', `no ModelScope OpenAPI route for ${request.method} ${request.url.split('?')[0]}`);
  });
}
