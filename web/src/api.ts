// The web UI's only door to the server: fetch against the same public HTTP routes that
// src/client/moda-client.ts uses, with the signed-in token as a Bearer header.
import type { RepoInfo } from '../../src/client/api-types.js';

export type { RepoInfo };

const TOKEN_KEY = 'moda.token';

export function savedToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string | null): void {
  if (token === null) localStorage.removeItem(TOKEN_KEY);
  else localStorage.setItem(TOKEN_KEY, token);
}

/** An API answer that was not 2xx, with the server's stable error code when it sent one. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function errorOf(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  let code = response.headers.get('x-error-code') ?? undefined;
  try {
    const body = (await response.json()) as { error?: unknown; code?: unknown };
    if (typeof body.error === 'string') message = body.error;
    if (typeof body.code === 'string') code = body.code;
  } catch {
    // Not JSON: the status line is the best message there is.
  }
  return new ApiError(message, response.status, code);
}

export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = savedToken();
  if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(`the server could not be reached (${String(error)})`, 0, 'NETWORK');
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

export async function apiJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  return (await (await apiFetch(path, init)).json()) as T;
}

export type RepoType = 'model' | 'dataset';

export interface TaskSummary {
  id: string;
  modality: string;
  title: string;
  titleZh: string;
  description: string;
}

export type JsonSchema = { [keyword: string]: unknown };

export interface TaskDetail extends TaskSummary {
  input: JsonSchema;
  parameters: JsonSchema;
  output: JsonSchema;
  example?: { input?: unknown; parameters?: Record<string, unknown>; output?: unknown };
}

export interface TreeEntry {
  type: 'file' | 'directory';
  path: string;
  size: number;
  oid: string;
  lfs?: { oid: string; size: number };
}

export interface WhoAmI {
  name: string;
  fullname: string;
  orgs: { name: string }[];
}

export interface SearchParams {
  type?: RepoType;
  search?: string;
  pipelineTag?: string;
  sort?: string;
  limit?: number;
}

export function searchRepos(params: SearchParams, signal?: AbortSignal): Promise<RepoInfo[]> {
  const query = new URLSearchParams();
  if (params.search) query.set('search', params.search);
  if (params.pipelineTag) query.set('pipeline_tag', params.pipelineTag);
  if (params.sort) {
    query.set('sort', params.sort);
    query.set('direction', '-1');
  }
  query.set('limit', String(params.limit ?? 50));
  return apiJson<RepoInfo[]>(`/api/${params.type ?? 'model'}s?${query}`, { signal });
}

export function listTasks(signal?: AbortSignal): Promise<TaskSummary[]> {
  return apiJson<{ tasks: TaskSummary[] }>('/api/tasks', { signal }).then((body) => body.tasks);
}

export function getTask(task: string, signal?: AbortSignal): Promise<TaskDetail> {
  return apiJson<TaskDetail>(`/api/tasks/${encodeURIComponent(task)}`, { signal });
}

function apiBase(type: RepoType, repo: string): string {
  return `/api/${type}s/${repo}`;
}

export function repoInfo(type: RepoType, repo: string, signal?: AbortSignal): Promise<RepoInfo> {
  return apiJson<RepoInfo>(apiBase(type, repo), { signal });
}

export function repoTree(type: RepoType, repo: string, revision: string, signal?: AbortSignal): Promise<TreeEntry[]> {
  return apiJson<TreeEntry[]>(`${apiBase(type, repo)}/tree/${encodeURIComponent(revision)}?recursive=true`, { signal });
}

/** The URL a file downloads from (the Hugging Face resolve route). */
export function resolveUrl(type: RepoType, repo: string, revision: string, path: string): string {
  const prefix = type === 'dataset' ? '/datasets' : '';
  return `${prefix}/${repo}/resolve/${encodeURIComponent(revision)}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** README.md at a revision, or null when the repo has none. */
export async function readme(type: RepoType, repo: string, revision: string, signal?: AbortSignal): Promise<string | null> {
  try {
    return await (await apiFetch(resolveUrl(type, repo, revision, 'README.md'), { signal })).text();
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export function whoami(token: string): Promise<WhoAmI> {
  return apiJson<WhoAmI>('/api/whoami-v2', { headers: { authorization: `Bearer ${token}` } });
}

export interface PipelineAnswer {
  output: unknown;
  revision: string;
  task: string;
  latencyMs: number;
}

/** Runs a model: media as the raw request body (parameters in the query), anything else as JSON. */
export async function runPipeline(repo: string, input: Blob | unknown, parameters: Record<string, unknown>, signal?: AbortSignal): Promise<PipelineAnswer> {
  const url = `/api/v1/models/${repo}/pipeline`;
  const started = performance.now();
  let response: Response;
  if (input instanceof Blob) {
    const query = Object.keys(parameters).length > 0 ? `?parameters=${encodeURIComponent(JSON.stringify(parameters))}` : '';
    response = await apiFetch(url + query, { method: 'POST', body: input, headers: { 'content-type': input.type || 'application/octet-stream' }, signal });
  } else {
    response = await apiFetch(url, { method: 'POST', body: JSON.stringify({ input, parameters }), headers: { 'content-type': 'application/json' }, signal });
  }
  const body = (await response.json()) as { output: unknown; revision: string; task: string };
  return { output: body.output, task: body.task, revision: response.headers.get('x-model-commit') ?? body.revision, latencyMs: performance.now() - started };
}

export async function createRepo(name: string, organization: string | undefined, type: RepoType, isPrivate: boolean): Promise<{ url: string; name: string }> {
  return apiJson('/api/repos/create', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, organization, type, private: isPrivate }),
  });
}

function base64OfBytes(bytes: Uint8Array): string {
  let binary = '';
  for (let offset = 0; offset < bytes.length; offset += 0x8000) binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
  return btoa(binary);
}

/** One NDJSON commit with the files inline (small files; the server stores them as git blobs). */
export async function commitFiles(type: RepoType, repo: string, files: { path: string; content: Blob }[], summary: string): Promise<void> {
  const lines: string[] = [JSON.stringify({ key: 'header', value: { summary } })];
  for (const file of files) {
    const bytes = new Uint8Array(await file.content.arrayBuffer());
    lines.push(JSON.stringify({ key: 'file', value: { path: file.path, content: base64OfBytes(bytes), encoding: 'base64' } }));
  }
  await apiFetch(`${apiBase(type, repo)}/commit/main`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines.join('\n') + '\n' });
}
