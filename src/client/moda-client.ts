// The typed HTTP client of Moda's public API (Hugging Face Hub routes plus Moda's account routes),
// shared by the CLI and the web UI. It only needs `fetch`, so it runs in browsers too; the file
// transfers that touch the local disk live in upload.ts and download.ts and take a client.
import { errorCatalog, type ErrorCode } from '../errors/catalog.js';
import { ModaError } from '../errors/moda-error.js';
import { parseRepoId } from '../hub/paths.js';
import type {
  CommitOperation,
  CommitResult,
  CreatedRepo,
  AuditPage,
  CreatedToken,
  DatasetRowsPage,
  DatasetSplits,
  DatasetSqlResult,
  DatasetStatistics,
  DatasetViewOptions,
  DeploymentInfo,
  DeploymentProgress,
  DeploymentRequest,
  LfsBatchAnswer,
  MemberRole,
  NamespaceInfo,
  PreuploadAnswer,
  PreuploadFile,
  RepoInfo,
  RepoRefs,
  RepoType,
  SearchQuery,
  TaskDetail,
  TaskSummary,
  TokenInfo,
  TokenRole,
  TreeEntry,
  WhoAmI,
} from './api-types.js';
import { bytesToBase64 } from './base64.js';
import { parsePrometheusText, type MetricsScrape } from './prometheus-text.js';
import { errorFromFetchFailure, errorFromResponse } from './response-error.js';

export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

export interface ModaClientOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:8080`. */
  endpoint: string;
  /** Access token sent as `Authorization: Bearer`; none means anonymous. */
  token?: string;
  /** The fetch to use (tests count or shape requests through it); default: the global one. */
  fetch?: FetchFunction;
}

export interface RepoOptions {
  type?: RepoType;
  signal?: AbortSignal;
}

export interface RevisionOptions extends RepoOptions {
  /** Branch, tag or commit; default `main`. */
  revision?: string;
}

export interface RequestOptions extends RequestInit {
  /** Sent as a JSON body with Content-Type application/json. */
  json?: unknown;
  /** Send the token (default true); false for URLs that carry their own authorisation. */
  authenticate?: boolean;
  /** What the request does, for error messages ("creating repo x"). */
  what?: string;
}

const LFS_JSON = 'application/vnd.git-lfs+json';
export const DEFAULT_REVISION = 'main';

/** Checks `namespace/name` before any request, so a typo fails fast with REPO_NAME_INVALID. */
export function checkRepoId(repo: string): { namespace: string; name: string } {
  return parseRepoId(repo);
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export class ModaClient {
  readonly endpoint: string;
  readonly token: string | undefined;
  private readonly fetchFunction: FetchFunction;

  constructor(options: ModaClientOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, '');
    this.token = options.token || undefined;
    const fetchFunction = options.fetch ?? ((input: string, init?: RequestInit) => globalThis.fetch(input, init));
    this.fetchFunction = fetchFunction;
  }

  /** A client for the same server with another token (or anonymous). */
  withToken(token: string | undefined): ModaClient {
    return new ModaClient({ endpoint: this.endpoint, token, fetch: this.fetchFunction });
  }

  url(path: string): string {
    return /^https?:\/\//.test(path) ? path : `${this.endpoint}${path}`;
  }

  /** `/api/models/ns/name` or `/api/datasets/ns/name`. */
  apiRepoPath(repo: string, type: RepoType = 'model'): string {
    checkRepoId(repo);
    return `/api/${type}s/${repo}`;
  }

  /** `/ns/name` or `/datasets/ns/name`: the prefix of resolve and git/LFS URLs. */
  webRepoPath(repo: string, type: RepoType = 'model'): string {
    checkRepoId(repo);
    return `${type === 'dataset' ? '/datasets' : ''}/${repo}`;
  }

  /** Sends a request; a non-2xx answer becomes a ModaError, an unreachable server UPSTREAM_UNAVAILABLE. */
  async request(path: string, options: RequestOptions = {}): Promise<Response> {
    const { json, authenticate = true, what, ...init } = options;
    const headers = new Headers(init.headers);
    if (authenticate && this.token && !headers.has('authorization')) headers.set('authorization', `Bearer ${this.token}`);
    if (json !== undefined) {
      headers.set('content-type', 'application/json');
      init.body = JSON.stringify(json);
    }
    const url = this.url(path);
    let response: Response;
    try {
      response = await this.fetchFunction(url, { ...init, headers });
    } catch (error) {
      throw errorFromFetchFailure(error, url, init.signal ?? undefined);
    }
    if (!response.ok) throw await errorFromResponse(response, what ?? `${init.method ?? 'GET'} ${path.split('?')[0]}`);
    return response;
  }

  async requestJson<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(path, options);
    const text = await response.text();
    return (text === '' ? {} : JSON.parse(text)) as T;
  }

  // ── Deployments ───────────────────────────────────────────────────────────────────────────────

  /** Creates (or, with `name` of an existing one and `update`, redeploys) a deployment, yielding its progress. */
  async *deployIter(request: DeploymentRequest, options: { signal?: AbortSignal } = {}): AsyncGenerator<DeploymentProgress, DeploymentInfo, undefined> {
    const response = await this.request('/api/v1/deployments', { method: 'POST', json: request, headers: { accept: 'application/x-ndjson' }, signal: options.signal, what: `deploying ${request.model}` });
    return yield* readDeploymentProgress(response);
  }

  async *redeployIter(name: string, patch: Omit<DeploymentRequest, 'model' | 'name' | 'task'> & { redeploy?: boolean }, options: { signal?: AbortSignal } = {}): AsyncGenerator<DeploymentProgress, DeploymentInfo, undefined> {
    const response = await this.request(`/api/v1/deployments/${encodeURIComponent(name)}`, { method: 'PATCH', json: patch, headers: { accept: 'application/x-ndjson' }, signal: options.signal, what: `updating deployment ${name}` });
    return yield* readDeploymentProgress(response);
  }

  async listDeployments(): Promise<DeploymentInfo[]> {
    return (await this.requestJson<{ deployments: DeploymentInfo[] }>('/api/v1/deployments', { what: 'listing deployments' })).deployments;
  }

  getDeployment(name: string): Promise<DeploymentInfo> {
    return this.requestJson<DeploymentInfo>(`/api/v1/deployments/${encodeURIComponent(name)}`, { what: `reading deployment ${name}` });
  }

  async deleteDeployment(name: string): Promise<void> {
    await this.request(`/api/v1/deployments/${encodeURIComponent(name)}`, { method: 'DELETE', what: `deleting deployment ${name}` });
  }

  // ── Dataset viewer ────────────────────────────────────────────────────────────────────────────

  private datasetQuery(dataset: string, options: DatasetViewOptions, extra: Record<string, string | number | undefined> = {}): string {
    checkRepoId(dataset);
    const query = new URLSearchParams({ dataset });
    for (const [key, value] of Object.entries({ config: options.config, revision: options.revision, ...extra })) if (value !== undefined) query.set(key, String(value));
    return query.toString();
  }

  datasetSplits(dataset: string, options: DatasetViewOptions = {}): Promise<DatasetSplits> {
    return this.requestJson<DatasetSplits>(`/datasets-server/splits?${this.datasetQuery(dataset, options)}`, { signal: options.signal, what: `reading the splits of ${dataset}` });
  }

  /** A page of rows (length ≤ 100, the viewer's limit). */
  datasetRows(dataset: string, split: string, options: DatasetViewOptions & { offset?: number; length?: number } = {}): Promise<DatasetRowsPage> {
    const query = this.datasetQuery(dataset, options, { split, offset: options.offset, length: options.length });
    return this.requestJson<DatasetRowsPage>(`/datasets-server/rows?${query}`, { signal: options.signal, what: `reading rows of ${dataset}` });
  }

  /** Rows whose text columns contain `query` (case-insensitive). */
  datasetSearch(dataset: string, split: string, query: string, options: DatasetViewOptions & { offset?: number; length?: number } = {}): Promise<DatasetRowsPage> {
    const search = this.datasetQuery(dataset, options, { split, query, offset: options.offset, length: options.length });
    return this.requestJson<DatasetRowsPage>(`/datasets-server/search?${search}`, { signal: options.signal, what: `searching ${dataset}` });
  }

  /** Rows matching an SQL condition (`where`), in `orderby` order. */
  datasetFilter(dataset: string, split: string, filter: { where?: string; orderby?: string }, options: DatasetViewOptions & { offset?: number; length?: number } = {}): Promise<DatasetRowsPage> {
    const query = this.datasetQuery(dataset, options, { split, where: filter.where, orderby: filter.orderby, offset: options.offset, length: options.length });
    return this.requestJson<DatasetRowsPage>(`/datasets-server/filter?${query}`, { signal: options.signal, what: `filtering ${dataset}` });
  }

  /** Per-column statistics of a split. */
  datasetStatistics(dataset: string, split: string, options: DatasetViewOptions = {}): Promise<DatasetStatistics> {
    return this.requestJson<DatasetStatistics>(`/datasets-server/statistics?${this.datasetQuery(dataset, options, { split })}`, { signal: options.signal, what: `reading statistics of ${dataset}` });
  }

  /** One read-only SELECT over views named after the splits of a config. */
  datasetSql(dataset: string, query: string, options: DatasetViewOptions = {}): Promise<DatasetSqlResult> {
    checkRepoId(dataset);
    return this.requestJson<DatasetSqlResult>('/datasets-server/sql', { method: 'POST', json: { dataset, query, config: options.config, revision: options.revision }, signal: options.signal, what: `querying ${dataset}` });
  }

  // ── Tasks and metrics ─────────────────────────────────────────────────────────────────────────

  async listTasks(options: { signal?: AbortSignal } = {}): Promise<TaskSummary[]> {
    return (await this.requestJson<{ tasks: TaskSummary[] }>('/api/tasks', { signal: options.signal, what: 'listing tasks' })).tasks;
  }

  getTask(task: string, options: { signal?: AbortSignal } = {}): Promise<TaskDetail> {
    return this.requestJson<TaskDetail>(`/api/tasks/${encodeURIComponent(task)}`, { signal: options.signal, what: `reading task ${task}` });
  }

  /** One scrape of the server's Prometheus metrics, parsed. */
  async metrics(options: { signal?: AbortSignal } = {}): Promise<MetricsScrape> {
    const response = await this.request('/metrics', { signal: options.signal, headers: { accept: 'text/plain' }, what: 'reading metrics' });
    return parsePrometheusText(await response.text());
  }

  // ── Accounts ──────────────────────────────────────────────────────────────────────────────────

  whoami(options: { signal?: AbortSignal } = {}): Promise<WhoAmI> {
    return this.requestJson<WhoAmI>('/api/whoami-v2', { signal: options.signal, what: 'checking the token' });
  }

  createToken(input: { name: string; role?: TokenRole; user?: string; expiresIn?: string; expiresAt?: string; repos?: string[] }): Promise<CreatedToken> {
    return this.requestJson<CreatedToken>('/api/tokens', {
      method: 'POST',
      json: { name: input.name, role: input.role ?? 'read', user: input.user, expiresIn: input.expiresIn, expiresAt: input.expiresAt, repos: input.repos },
    });
  }

  /** The audit log (site admins): newest first; `before` continues from a page's `next`. */
  listAuditEvents(filters: { action?: string; actor?: string; target?: string; since?: string; until?: string; before?: string; limit?: number } = {}): Promise<AuditPage> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) if (value !== undefined) query.set(key, String(value));
    const text = query.toString();
    return this.requestJson<AuditPage>(`/api/admin/audit${text ? `?${text}` : ''}`);
  }

  listTokens(options: { user?: string } = {}): Promise<TokenInfo[]> {
    const query = options.user ? `?user=${encodeURIComponent(options.user)}` : '';
    return this.requestJson<TokenInfo[]>(`/api/tokens${query}`);
  }

  async revokeToken(id: string): Promise<void> {
    await this.request(`/api/tokens/${encodeURIComponent(id)}`, { method: 'DELETE', what: `revoking token ${id}` });
  }

  createUser(input: { name: string; fullname?: string; email?: string }): Promise<NamespaceInfo> {
    return this.requestJson<NamespaceInfo>('/api/users', { method: 'POST', json: input, what: `creating user ${input.name}` });
  }

  namespaceInfo(name: string): Promise<NamespaceInfo> {
    return this.requestJson<NamespaceInfo>(`/api/users/${encodeURIComponent(name)}/overview`);
  }

  createOrganization(input: { name: string; fullname?: string }): Promise<NamespaceInfo> {
    return this.requestJson<NamespaceInfo>('/api/organizations', { method: 'POST', json: input, what: `creating organization ${input.name}` });
  }

  listOrgMembers(org: string): Promise<{ user: string; role: MemberRole }[]> {
    return this.requestJson(`/api/organizations/${encodeURIComponent(org)}/members`);
  }

  setOrgMember(org: string, user: string, role: MemberRole): Promise<{ user: string; role: MemberRole }> {
    return this.requestJson(`/api/organizations/${encodeURIComponent(org)}/members/${encodeURIComponent(user)}`, { method: 'PUT', json: { role } });
  }

  async removeOrgMember(org: string, user: string): Promise<void> {
    await this.request(`/api/organizations/${encodeURIComponent(org)}/members/${encodeURIComponent(user)}`, { method: 'DELETE' });
  }

  // ── Repositories ──────────────────────────────────────────────────────────────────────────────

  /** Creates a repo; `license` (a Hugging Face license id such as `apache-2.0`) goes into the first model card. */
  createRepo(repo: string, options: { type?: RepoType; private?: boolean; license?: string; signal?: AbortSignal } = {}): Promise<CreatedRepo> {
    const { namespace, name } = checkRepoId(repo);
    return this.requestJson<CreatedRepo>('/api/repos/create', {
      method: 'POST',
      json: { name, organization: namespace, type: options.type ?? 'model', private: options.private ?? false, ...(options.license && { license: options.license }) },
      signal: options.signal,
      what: `creating ${repo}`,
    });
  }

  async deleteRepo(repo: string, options: { type?: RepoType } = {}): Promise<void> {
    const { namespace, name } = checkRepoId(repo);
    await this.request('/api/repos/delete', { method: 'DELETE', json: { name, organization: namespace, type: options.type ?? 'model' }, what: `deleting ${repo}` });
  }

  async updateRepoSettings(repo: string, settings: { private?: boolean }, options: RepoOptions = {}): Promise<void> {
    await this.request(`${this.apiRepoPath(repo, options.type)}/settings`, { method: 'PUT', json: settings, signal: options.signal });
  }

  /** Repo info at a revision (default: the default branch); with `blobs`, siblings carry size, blobId and lfs. */
  repoInfo(repo: string, options: RevisionOptions & { blobs?: boolean } = {}): Promise<RepoInfo> {
    const base = this.apiRepoPath(repo, options.type);
    const path = options.revision === undefined ? base : `${base}/revision/${encodeURIComponent(options.revision)}`;
    return this.requestJson<RepoInfo>(`${path}${options.blobs ? '?blobs=true' : ''}`, { signal: options.signal, what: `reading ${repo}` });
  }

  /** Searches repos, following `Link: rel="next"` pages until `limit` results. */
  async listRepos(query: SearchQuery = {}): Promise<RepoInfo[]> {
    const limit = query.limit ?? 100;
    const params = new URLSearchParams();
    if (query.search) params.set('search', query.search);
    if (query.author) params.set('author', query.author);
    for (const tag of query.filter ?? []) params.append('filter', tag);
    if (query.task) params.set('pipeline_tag', query.task);
    if (query.sort) params.set('sort', query.sort);
    if (query.direction) params.set('direction', String(query.direction));
    const results: RepoInfo[] = [];
    const path = `/api/${query.type ?? 'model'}s`;
    while (results.length < limit) {
      params.set('limit', String(Math.min(limit - results.length, 1000)));
      const response = await this.request(`${path}?${params.toString()}`, { signal: query.signal, what: 'searching repos' });
      results.push(...((await response.json()) as RepoInfo[]));
      const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
      const cursor = next === undefined ? null : new URL(next, this.endpoint).searchParams.get('cursor');
      if (!cursor) break;
      params.set('cursor', cursor);
    }
    return results.slice(0, limit);
  }

  /** Files and folders at a revision (default `main`), the whole tree with `recursive`; follows `Link: rel="next"` pages. */
  async listTree(repo: string, options: RevisionOptions & { recursive?: boolean } = {}): Promise<TreeEntry[]> {
    const revision = encodeURIComponent(options.revision ?? DEFAULT_REVISION);
    let path: string | undefined = `${this.apiRepoPath(repo, options.type)}/tree/${revision}${options.recursive ? '?recursive=true' : ''}`;
    const entries: TreeEntry[] = [];
    while (path !== undefined) {
      const response = await this.request(path, { signal: options.signal, what: `listing ${repo}` });
      entries.push(...((await response.json()) as TreeEntry[]));
      const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
      path = next === undefined ? undefined : new URL(next, this.endpoint).href;
    }
    return entries;
  }

  listRefs(repo: string, options: RepoOptions = {}): Promise<RepoRefs> {
    return this.requestJson<RepoRefs>(`${this.apiRepoPath(repo, options.type)}/refs`, { signal: options.signal });
  }

  async createTag(repo: string, tag: string, options: RevisionOptions & { message?: string } = {}): Promise<void> {
    const revision = encodeURIComponent(options.revision ?? DEFAULT_REVISION);
    await this.request(`${this.apiRepoPath(repo, options.type)}/tag/${revision}`, { method: 'POST', json: { tag, message: options.message }, signal: options.signal, what: `creating tag ${tag}` });
  }

  async deleteTag(repo: string, tag: string, options: RepoOptions = {}): Promise<void> {
    await this.request(`${this.apiRepoPath(repo, options.type)}/tag/${encodeURIComponent(tag)}`, { method: 'DELETE', signal: options.signal, what: `deleting tag ${tag}` });
  }

  async createBranch(repo: string, branch: string, options: RepoOptions & { startingPoint?: string } = {}): Promise<void> {
    await this.request(`${this.apiRepoPath(repo, options.type)}/branch/${encodeURIComponent(branch)}`, { method: 'POST', json: { startingPoint: options.startingPoint }, signal: options.signal });
  }

  async deleteBranch(repo: string, branch: string, options: RepoOptions = {}): Promise<void> {
    await this.request(`${this.apiRepoPath(repo, options.type)}/branch/${encodeURIComponent(branch)}`, { method: 'DELETE', signal: options.signal });
  }

  // ── Transfer building blocks (upload.ts and download.ts compose them) ─────────────────────────

  /** Asks which files must go through LFS. */
  preupload(repo: string, files: PreuploadFile[], options: RevisionOptions = {}): Promise<PreuploadAnswer> {
    const revision = encodeURIComponent(options.revision ?? DEFAULT_REVISION);
    return this.requestJson<PreuploadAnswer>(`${this.apiRepoPath(repo, options.type)}/preupload/${revision}`, {
      method: 'POST',
      json: { files: files.map((file) => ({ path: file.path, size: file.size, sample: bytesToBase64(file.sample) })) },
      signal: options.signal,
      what: `preparing the upload to ${repo}`,
    });
  }

  /** The Git LFS batch API: where to PUT (or GET) each object. */
  lfsBatch(repo: string, operation: 'upload' | 'download', objects: { oid: string; size: number }[], options: RepoOptions = {}): Promise<LfsBatchAnswer> {
    return this.requestJson<LfsBatchAnswer>(`${this.webRepoPath(repo, options.type)}.git/info/lfs/objects/batch`, {
      method: 'POST',
      headers: { 'content-type': LFS_JSON, accept: LFS_JSON },
      body: JSON.stringify({ operation, transfers: ['basic'], objects, hash_algo: 'sha256' }),
      signal: options.signal,
      what: `LFS ${operation} batch for ${repo}`,
    });
  }

  /** Writes one commit with the NDJSON commit API; LFS objects must already be uploaded. */
  commit(
    repo: string,
    operations: CommitOperation[],
    options: RevisionOptions & { summary: string; description?: string; parentCommit?: string },
  ): Promise<CommitResult> {
    const header = { key: 'header', value: { summary: options.summary, description: options.description ?? '', ...(options.parentCommit && { parentCommit: options.parentCommit }) } };
    const lines = [JSON.stringify(header)];
    for (const operation of operations) {
      switch (operation.kind) {
        case 'file':
          lines.push(JSON.stringify({ key: 'file', value: { path: operation.path, content: bytesToBase64(operation.content), encoding: 'base64' } }));
          break;
        case 'lfsFile':
          lines.push(JSON.stringify({ key: 'lfsFile', value: { path: operation.path, algo: 'sha256', oid: operation.oid, size: operation.size } }));
          break;
        case 'deletedFile':
        case 'deletedFolder':
          lines.push(JSON.stringify({ key: operation.kind, value: { path: operation.path } }));
          break;
      }
    }
    const revision = encodeURIComponent(options.revision ?? DEFAULT_REVISION);
    return this.requestJson<CommitResult>(`${this.apiRepoPath(repo, options.type)}/commit/${revision}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: `${lines.join('\n')}\n`,
      signal: options.signal,
      what: `committing to ${repo}`,
    });
  }

  /** URL of a file's content at a revision. */
  resolveUrl(repo: string, path: string, options: { type?: RepoType; revision?: string } = {}): string {
    return this.url(`${this.webRepoPath(repo, options.type)}/resolve/${encodeURIComponent(options.revision ?? DEFAULT_REVISION)}/${encodePath(path)}`);
  }

  /** GET a file's content, optionally one byte range (`end` inclusive, open-ended when absent). */
  fetchFile(repo: string, path: string, options: RevisionOptions & { range?: { start: number; end?: number } } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (options.range) headers.range = `bytes=${options.range.start}-${options.range.end ?? ''}`;
    return this.request(this.resolveUrl(repo, path, options), { headers, signal: options.signal, what: `downloading ${path}` });
  }
}

/** Reads NDJSON deployment progress; an error line becomes a ModaError with the server's code. */
async function* readDeploymentProgress(response: Response): AsyncGenerator<DeploymentProgress, DeploymentInfo, undefined> {
  // A reader rather than `for await` over the stream: Safari's ReadableStream is not async-iterable.
  const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let result: DeploymentInfo | undefined;
  const handle = function* (line: string): Generator<DeploymentProgress> {
    if (line.trim() === '') return;
    const event = JSON.parse(line) as DeploymentProgress;
    if (event.status === 'error') throw new ModaError(event.error.code in errorCatalog ? (event.error.code as ErrorCode) : 'INTERNAL', event.error.message);
    if (event.status === 'ready' || event.status === 'failed') result = event.deployment;
    yield event;
  };
  try {
    for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader?.read()) {
      buffer += chunk.value;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) yield* handle(line);
    }
  } finally {
    // An early return or a thrown error line must not leave the response body open.
    await reader?.cancel().catch(() => undefined);
  }
  yield* handle(buffer);
  if (!result) throw new ModaError('UPSTREAM_INVALID_RESPONSE', 'the server ended the deployment progress without a result');
  return result;
}
