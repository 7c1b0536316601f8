// The OpenAPI paths of the Hugging Face routes Moda added for huggingface_hub's Python flows
// (validate-yaml, move_repo, super_squash_history, list_repo_likers, list_liked_repos) and the
// `expand` of tree and paths-info. They copy huggingface.co's wire shapes; they are listed here so
// that this server's own document names every route of those modules (test/observability checks).
import type { ErrorCode } from '../errors/catalog.js';

type JsonSchema = Record<string, unknown>;
type ErrorResponses = (codes: readonly ErrorCode[]) => Record<string, JsonSchema>;

const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const pathParameter = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const REPO_PARAMETERS = [pathParameter('namespace', 'User or organization'), pathParameter('name', 'Repo name')];
const KINDS = [
  { api: 'models', kind: 'model', operation: 'Model' },
  { api: 'datasets', kind: 'dataset', operation: 'Dataset' },
] as const;

const LAST_COMMIT = {
  type: 'object',
  required: ['id', 'title', 'date'],
  properties: { id: { type: 'string', pattern: '^[0-9a-f]{40}$' }, title: { type: 'string' }, date: { type: 'string', description: 'ISO 8601, UTC' } },
};

const TREE_ENTRY = {
  type: 'object',
  required: ['type', 'path'],
  properties: {
    type: { enum: ['file', 'directory'] },
    path: { type: 'string' },
    oid: { type: 'string' },
    size: { type: 'integer', minimum: 0 },
    lfs: { type: 'object', properties: { oid: { type: 'string' }, size: { type: 'integer' }, pointerSize: { type: 'integer' } } },
    lastCommit: { ...LAST_COMMIT, description: 'With `expand`: the last commit that changed the path' },
  },
};

const EXPAND = { name: 'expand', in: 'query', required: false, description: 'Add each entry\'s `lastCommit` (slower: walks the history)', schema: { type: 'boolean' } };

function perKind(errorResponses: ErrorResponses): Record<string, JsonSchema> {
  const paths: Record<string, JsonSchema> = {};
  for (const { api, kind, operation } of KINDS) {
    const base = `/api/${api}/{namespace}/{name}`;
    paths[`${base}/super-squash/{branch}`] = {
      post: {
        operationId: `superSquash${operation}`,
        tags: ['hub'],
        summary: `Squash a branch of a ${kind} repo into one commit (huggingface_hub super_squash_history)`,
        security: [{ token: [] }],
        parameters: [...REPO_PARAMETERS, pathParameter('branch', 'The branch whose history becomes one commit')],
        requestBody: { required: false, content: json({ type: 'object', properties: { message: { type: 'string', minLength: 1, description: "Default: Super-squash branch '<branch>'" } } }) },
        responses: {
          '200': { description: 'The new single commit', content: json({ type: 'object', required: ['commitOid'], properties: { commitOid: { type: 'string', pattern: '^[0-9a-f]{40}$' } } }) },
          ...errorResponses(['VALIDATION_FAILED', 'REVISION_INVALID', 'AUTH_REQUIRED', 'AUTH_INVALID_TOKEN', 'AUTH_FORBIDDEN', 'HUB_REPO_NOT_FOUND', 'HUB_REVISION_NOT_FOUND']),
        },
      },
    };
    paths[`${base}/likers`] = {
      get: {
        operationId: `list${operation}Likers`,
        tags: ['hub'],
        summary: `Who liked a ${kind} repo the caller may read (huggingface_hub list_repo_likers)`,
        parameters: REPO_PARAMETERS,
        responses: {
          '200': { description: 'Newest like first', content: json({ type: 'array', items: { type: 'object', required: ['user', 'fullname', 'avatarUrl'], properties: { user: { type: 'string' }, fullname: { type: ['string', 'null'] }, avatarUrl: { type: 'string' } } } }) },
          ...errorResponses(['AUTH_INVALID_TOKEN', 'HUB_REPO_NOT_FOUND']),
        },
      },
    };
    const tree = {
      get: {
        operationId: `list${operation}Tree`,
        tags: ['hub'],
        summary: `Files and folders of a ${kind} repo at a revision (huggingface_hub list_repo_tree)`,
        parameters: [
          ...REPO_PARAMETERS,
          pathParameter('revision', 'Branch, tag or commit'),
          { name: 'recursive', in: 'query', required: false, schema: { type: 'boolean' } },
          EXPAND,
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 } },
          { name: 'cursor', in: 'query', required: false, description: 'From the `Link: rel="next"` header of the previous page', schema: { type: 'string' } },
        ],
        responses: {
          '200': { description: 'Entries sorted by path; `Link: rel="next"` when more follow', content: json({ type: 'array', items: TREE_ENTRY }) },
          ...errorResponses(['VALIDATION_FAILED', 'AUTH_INVALID_TOKEN', 'HUB_REPO_NOT_FOUND', 'HUB_REVISION_NOT_FOUND', 'HUB_ENTRY_NOT_FOUND']),
        },
      },
    };
    paths[`${base}/tree/{revision}`] = tree;
    paths[`${base}/tree/{revision}/{path}`] = {
      get: { ...tree.get, operationId: `list${operation}TreeFolder`, parameters: [...tree.get.parameters, pathParameter('path', 'A folder of the repo')] },
    };
    paths[`${base}/paths-info/{revision}`] = {
      post: {
        operationId: `${kind}PathsInfo`,
        tags: ['hub'],
        summary: `Entries of given paths of a ${kind} repo (huggingface_hub get_paths_info)`,
        parameters: [...REPO_PARAMETERS, pathParameter('revision', 'Branch, tag or commit')],
        requestBody: {
          required: true,
          content: {
            ...json({ type: 'object', required: ['paths'], properties: { paths: { type: 'array', items: { type: 'string' } }, expand: { type: 'boolean' } } }),
            'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { paths: { type: 'array', items: { type: 'string' } }, expand: { type: 'boolean' } } } },
          },
        },
        responses: {
          '200': { description: 'One entry per path that exists; with `expand`, each has its `lastCommit`', content: json({ type: 'array', items: TREE_ENTRY }) },
          ...errorResponses(['VALIDATION_FAILED', 'AUTH_INVALID_TOKEN', 'HUB_REPO_NOT_FOUND', 'HUB_REVISION_NOT_FOUND']),
        },
      },
    };
  }
  return paths;
}

export function hfAddedPaths(errorResponses: ErrorResponses): Record<string, JsonSchema> {
  return {
    '/api/validate-yaml': {
      post: {
        operationId: 'validateYaml',
        tags: ['hub'],
        summary: "Check a README's YAML before a commit (huggingface_hub posts every README.md here)",
        requestBody: { required: true, content: json({ type: 'object', required: ['content'], properties: { content: { type: 'string' }, repoType: { enum: ['model', 'dataset', 'space', null] } } }) },
        responses: {
          '200': { description: 'The card is valid (warnings may be listed)', content: json({ type: 'object', properties: { errors: { type: 'array' }, warnings: { type: 'array' } } }) },
          '400': { description: 'Invalid metadata (`errors` lists them), or a malformed request (`VALIDATION_FAILED`)', content: json({ type: 'object', properties: { error: { type: 'string' }, errors: { type: 'array' }, warnings: { type: 'array' } } }) },
        },
      },
    },
    '/api/repos/move': {
      post: {
        operationId: 'moveRepo',
        tags: ['hub'],
        summary: 'Rename a repo or move it to another namespace (huggingface_hub move_repo)',
        security: [{ token: [] }],
        requestBody: { required: true, content: json({ type: 'object', required: ['fromRepo', 'toRepo'], properties: { fromRepo: { type: 'string' }, toRepo: { type: 'string' }, type: { enum: ['model', 'dataset', null] } } }) },
        responses: {
          '200': { description: 'The repo under its new name', content: json({ type: 'object', required: ['name', 'id'], properties: { name: { type: 'string' }, id: { type: 'string' } } }) },
          ...errorResponses(['VALIDATION_FAILED', 'REPO_NAME_INVALID', 'AUTH_REQUIRED', 'AUTH_INVALID_TOKEN', 'AUTH_FORBIDDEN', 'HUB_REPO_NOT_FOUND', 'HUB_REPO_EXISTS']),
        },
      },
    },
    '/api/users/{user}/likes': {
      get: {
        operationId: 'listLikedRepos',
        tags: ['hub'],
        summary: "A user's likes of repos the caller may read (huggingface_hub list_liked_repos)",
        parameters: [pathParameter('user', 'User name')],
        responses: {
          '200': {
            description: 'Likes of private repos the caller cannot read are left out',
            content: json({ type: 'array', items: { type: 'object', required: ['createdAt', 'repo'], properties: { createdAt: { type: 'string' }, repo: { type: 'object', required: ['name', 'type'], properties: { name: { type: 'string' }, type: { type: 'string' } } } } } }),
          },
          ...errorResponses(['AUTH_INVALID_TOKEN']),
        },
      },
    },
    ...perKind(errorResponses),
  };
}
