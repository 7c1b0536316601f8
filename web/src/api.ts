// The web UI's only door to the server: every request goes through ModaClient (src/client/), the
// typed client the CLI uses too, with the signed-in token. Its ModaErrors become ApiErrors here, so
// pages see one error type with the HTTP status and the server's stable code.
import type { RepoInfo, RepoType, SearchSort, TaskDetail, TaskSummary, TreeEntry, WhoAmI } from '../../src/client/api-types.js';
import { ModaClient } from '../../src/client/moda-client.js';
import { ModaError } from '../../src/errors/moda-error.js';
import { fetchWithEarly } from './early-fetch.js';

export type { JsonSchema, RepoInfo, RepoType, TaskDetail, TaskSummary, TreeEntry, WhoAmI } from '../../src/client/api-types.js';

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

/** The client for this page's server, carrying the signed-in token (read anew on each call). */
export function modaClient(token: string | null = savedToken()): ModaClient {
  // fetchWithEarly: the first page's requests may have been started by index.html already.
  return new ModaClient({ endpoint: window.location.origin, token: token ?? undefined, fetch: fetchWithEarly });
}

/** A client error as the UI shows it; aborts and non-client errors pass through unchanged. */
export function toApiError(error: unknown): unknown {
  if (!(error instanceof ModaError)) return error;
  const status = error.details?.status;
  // No HTTP status on UPSTREAM_UNAVAILABLE means fetch itself failed: the server was not reached.
  if (error.code === 'UPSTREAM_UNAVAILABLE' && typeof status !== 'number') return new ApiError(`the server could not be reached (${error.message})`, 0, 'NETWORK');
  return new ApiError(error.message, typeof status === 'number' ? status : error.status, error.code);
}

/** Runs one call on the signed-in client, turning its errors into ApiErrors. */
export async function api<T>(call: (client: ModaClient) => Promise<T>, token?: string | null): Promise<T> {
  try {
    return await call(modaClient(token));
  } catch (error) {
    throw toApiError(error);
  }
}

/** An async iterator of the client (e.g. deployment progress) with its errors turned into ApiErrors. */
export async function* apiIter<T, R>(iterate: (client: ModaClient) => AsyncGenerator<T, R, undefined>): AsyncGenerator<T, R, undefined> {
  try {
    return yield* iterate(modaClient());
  } catch (error) {
    throw toApiError(error);
  }
}

/** A request to any route of the public API; a non-2xx answer throws an ApiError. */
export function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  return api((client) => client.request(path, init));
}

export async function apiJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  return (await (await apiFetch(path, init)).json()) as T;
}

export interface SearchParams {
  type?: RepoType;
  search?: string;
  pipelineTag?: string;
  sort?: string;
  limit?: number;
}

export function searchRepos(params: SearchParams, signal?: AbortSignal): Promise<RepoInfo[]> {
  return api((client) =>
    client.listRepos({
      type: params.type ?? 'model',
      ...(params.search && { search: params.search }),
      ...(params.pipelineTag && { task: params.pipelineTag }),
      // The server validates the sort key and answers a readable error for an unknown one.
      ...(params.sort && { sort: params.sort as SearchSort, direction: -1 as const }),
      limit: params.limit ?? 50,
      ...(signal && { signal }),
    }),
  );
}

export function listTasks(signal?: AbortSignal): Promise<TaskSummary[]> {
  return api((client) => client.listTasks({ signal }));
}

/**
 * How many models each task has, counted up to `limit` (a count equal to it means "at least"), in
 * one request (GET /api/task-counts).
 */
export async function taskCounts(limit: number, signal?: AbortSignal): Promise<Record<string, number>> {
  return (await apiJson<{ counts: Record<string, number> }>(`/api/task-counts?limit=${limit}`, signal ? { signal } : {})).counts;
}

export function getTask(task: string, signal?: AbortSignal): Promise<TaskDetail> {
  return api((client) => client.getTask(task, { signal }));
}

export function repoInfo(type: RepoType, repo: string, signal?: AbortSignal): Promise<RepoInfo> {
  return api((client) => client.repoInfo(repo, { type, signal }));
}

export function repoTree(type: RepoType, repo: string, revision: string, signal?: AbortSignal): Promise<TreeEntry[]> {
  return api((client) => client.listTree(repo, { type, revision, recursive: true, signal }));
}

/** The URL a file downloads from (the Hugging Face resolve route). */
export function resolveUrl(type: RepoType, repo: string, revision: string, path: string): string {
  return modaClient().resolveUrl(repo, path, { type, revision });
}

/** README.md at a revision, or null when the repo has none. */
export async function readme(type: RepoType, repo: string, revision: string, signal?: AbortSignal): Promise<string | null> {
  try {
    return await api(async (client) => (await client.fetchFile(repo, 'README.md', { type, revision, signal })).text());
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export function whoami(token: string): Promise<WhoAmI> {
  return api((client) => client.whoami(), token);
}

/** One NDJSON commit with the files inline (small files; the server stores them as git blobs). */
export async function commitFiles(type: RepoType, repo: string, files: { path: string; content: Blob }[], summary: string): Promise<void> {
  const operations = await Promise.all(files.map(async (file) => ({ kind: 'file' as const, path: file.path, content: new Uint8Array(await file.content.arrayBuffer()) })));
  await api((client) => client.commit(repo, operations, { type, summary }));
}
