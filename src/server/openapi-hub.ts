// The OpenAPI paths of the hub routes that Moda adds beside the protocols it copies: asking which
// LFS objects are stored, repo counts per task, a commit's changed files, and ModelScope's
// create_dataset (whose answers and errors travel in ModelScope's envelope, not Moda's). The copied
// Hugging Face and ModelScope routes are documented by those projects and are not repeated here.
import type { ErrorCode } from '../errors/catalog.js';

type JsonSchema = Record<string, unknown>;
type ErrorResponses = (codes: readonly ErrorCode[]) => Record<string, JsonSchema>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const pathParameter = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });

const SHA256 = { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'sha256 of the object, hex' };
const COMMIT = { type: 'string', pattern: '^[0-9a-f]{40}$' };

export function hubSchemas(): Record<string, JsonSchema> {
  const objectSize = { type: 'integer', minimum: 0, description: 'Bytes' };
  return {
    StoredBlobsRequest: {
      type: 'object',
      required: ['objects'],
      properties: { objects: { type: 'array', maxItems: 1000, items: { type: 'object', required: ['oid', 'size'], properties: { oid: SHA256, size: objectSize } } } },
    },
    StoredBlobsResponse: {
      type: 'object',
      required: ['objects'],
      properties: {
        objects: {
          type: 'array',
          description: 'The objects asked about, in order',
          items: { type: 'object', required: ['oid', 'size', 'stored'], properties: { oid: SHA256, size: objectSize, stored: { type: 'boolean', description: 'Held with exactly this size' } } },
        },
      },
    },
    ChangedFileSide: {
      type: 'object',
      required: ['oid', 'size'],
      properties: {
        oid: { type: 'string', description: 'git blob id' },
        size: { type: 'integer', minimum: 0, description: "Bytes; an LFS file's object size, not its pointer's" },
        lfs: { type: 'object', required: ['oid', 'size'], properties: { oid: SHA256, size: objectSize } },
      },
    },
    CommitDiff: {
      type: 'object',
      required: ['id', 'title', 'message', 'authors', 'date', 'parents', 'files'],
      properties: {
        id: COMMIT,
        title: { type: 'string', description: "The message's first line" },
        message: { type: 'string', description: 'The rest of the message' },
        authors: { type: 'array', items: { type: 'object', required: ['user'], properties: { user: { type: 'string' } } } },
        date: { type: 'string', description: 'Author date, ISO 8601' },
        parents: { type: 'array', items: COMMIT, description: 'The changes are against the first; none for a first commit' },
        files: {
          type: 'array',
          description: 'Sorted by path; a rename is a delete and an add',
          items: {
            type: 'object',
            required: ['path', 'status'],
            properties: { path: { type: 'string' }, status: { enum: ['added', 'modified', 'deleted'] }, old: ref('ChangedFileSide'), new: ref('ChangedFileSide') },
          },
        },
      },
    },
    ModelScopeCreateDatasetRequest: {
      type: 'object',
      required: ['Name', 'Owner', 'Visibility'],
      properties: {
        Name: { type: 'string', minLength: 1 },
        Owner: { type: 'string', minLength: 1, description: 'User or organization' },
        Visibility: { enum: [1, 3, 5, '1', '3', '5'], description: '1 private, 3 internal, 5 public' },
        ChineseName: { type: 'string', description: 'Display name' },
        License: { type: 'string', description: 'A ModelScope license name ("Apache License 2.0", "MIT") or a license id' },
      },
    },
    ModelScopeCreateDatasetResponse: {
      type: 'object',
      required: ['Code', 'Success', 'Message', 'Data', 'RequestId'],
      properties: {
        Code: { const: 200 },
        Success: { const: true },
        Message: { type: 'string' },
        RequestId: { type: 'string' },
        Data: {
          type: 'object',
          required: ['Id', 'Owner', 'Name', 'Visibility', 'DefaultBranch'],
          properties: { Id: { type: 'string', description: "Moda's repo id" }, Owner: { type: 'string' }, Name: { type: 'string' }, Visibility: { enum: [1, 3, 5] }, DefaultBranch: { const: 'master' } },
        },
      },
    },
    ModelScopeError: {
      type: 'object',
      required: ['Code', 'Success', 'Message', 'Data', 'RequestId', 'ErrorCode'],
      properties: {
        Code: { type: 'integer', description: 'The HTTP status' },
        Success: { const: false },
        Message: { type: 'string' },
        Data: { type: 'null' },
        RequestId: { type: 'string' },
        ErrorCode: { type: 'string', description: 'Stable Moda error code' },
      },
    },
  };
}

function commitPath(kind: 'model' | 'dataset', errorResponses: ErrorResponses): JsonSchema {
  return {
    get: {
      operationId: kind === 'model' ? 'getModelCommit' : 'getDatasetCommit',
      tags: ['hub'],
      summary: `One commit of a ${kind} repo and the files it changed`,
      description: 'Added, modified and deleted files against the first parent, for a commit page. The Hugging Face API has no such read; the path mirrors its `POST …/commit/{revision}`.',
      parameters: [pathParameter('namespace', 'User or organization'), pathParameter('name', 'Repo name'), pathParameter('revision', 'Branch, tag, or full or abbreviated commit id')],
      responses: {
        '200': {
          description: 'The commit',
          headers: { 'x-repo-commit': { description: 'The full commit id', schema: COMMIT } },
          content: json(ref('CommitDiff')),
        },
        ...errorResponses(['REVISION_INVALID', 'AUTH_INVALID_TOKEN', 'HUB_REPO_NOT_FOUND', 'HUB_REVISION_NOT_FOUND']),
      },
    },
  };
}

export function hubPaths(errorResponses: ErrorResponses): Record<string, JsonSchema> {
  // Same codes and statuses, in ModelScope's envelope.
  const modelScopeErrors = (codes: readonly ErrorCode[]) => Object.fromEntries(Object.entries(errorResponses(codes)).map(([status, answer]) => [status, { ...answer, content: json(ref('ModelScopeError')) }]));
  return {
    '/api/blobs/stored': {
      post: {
        operationId: 'storedBlobs',
        tags: ['hub'],
        summary: 'Which LFS objects the server already stores',
        description: 'Asked before any repo exists (an LFS batch needs one), so `moda pull` into a new repo skips objects imported under another name. Needs a write token, as the LFS batch of a repo one owns would.',
        security: [{ token: [] }],
        requestBody: { required: true, content: json(ref('StoredBlobsRequest')) },
        responses: { '200': { description: 'Each object with whether it is stored', content: json(ref('StoredBlobsResponse')) }, ...errorResponses(['VALIDATION_FAILED', 'AUTH_REQUIRED', 'AUTH_INVALID_TOKEN', 'AUTH_FORBIDDEN']) },
      },
    },
    '/api/task-counts': {
      get: {
        operationId: 'taskCounts',
        tags: ['tasks'],
        summary: 'How many repos each task has',
        description: 'One answer for every task, as `/api/models?pipeline_tag=…` would count them for the caller (private repos follow the token). Counting stops at `limit`: a count equal to `limit` means at least that many.',
        parameters: [
          { name: 'type', in: 'query', required: false, schema: { type: 'string', enum: ['model', 'dataset'], default: 'model' } },
          { name: 'limit', in: 'query', required: false, description: 'Where counting stops (above 1000 counts as 1000)', schema: { type: 'integer', minimum: 1, default: 100 } },
        ],
        responses: {
          '200': {
            description: 'A count per task id, every task included',
            content: json({
              type: 'object',
              required: ['type', 'limit', 'counts'],
              properties: { type: { type: 'string', enum: ['model', 'dataset'] }, limit: { type: 'integer', minimum: 1 }, counts: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } } },
            }),
          },
          ...errorResponses(['VALIDATION_FAILED', 'AUTH_INVALID_TOKEN']),
        },
      },
    },
    '/api/models/{namespace}/{name}/commit/{revision}': commitPath('model', errorResponses),
    '/api/datasets/{namespace}/{name}/commit/{revision}': commitPath('dataset', errorResponses),
    '/api/v1/datasets': {
      post: {
        operationId: 'modelScopeCreateDataset',
        tags: ['modelscope'],
        summary: "ModelScope's create_dataset",
        description: 'What `HubApi().create_dataset` sends: multipart form fields (or the same fields as JSON). The dataset starts on `master`, as ModelScope repos do.',
        security: [{ token: [] }, { modelScopeSession: [] }],
        requestBody: { required: true, content: { 'multipart/form-data': { schema: ref('ModelScopeCreateDatasetRequest') }, ...json(ref('ModelScopeCreateDatasetRequest')) } },
        responses: {
          '200': { description: 'The new dataset, in the ModelScope envelope', content: json(ref('ModelScopeCreateDatasetResponse')) },
          ...modelScopeErrors(['BAD_REQUEST', 'VALIDATION_FAILED', 'REPO_NAME_INVALID', 'AUTH_REQUIRED', 'AUTH_INVALID_TOKEN', 'AUTH_FORBIDDEN', 'HUB_USER_NOT_FOUND', 'HUB_REPO_EXISTS']),
        },
      },
    },
  };
}
