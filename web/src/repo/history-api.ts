// The repo browser's calls: refs, a folder at a revision, one path's details, a small file's text,
// a page of history and one commit's changed files. All go through apiFetch like the rest of the UI.
import type { RepoRefs } from '../../../src/client/api-types.js';
import { apiFetch, apiJson, resolveUrl, type RepoType, type TreeEntry } from '../api.js';

export type { RepoRefs };

export interface CommitSummary {
  id: string;
  title: string;
  message: string;
  authors: { user: string }[];
  date: string;
}

export interface CommitPage {
  commits: CommitSummary[];
  hasNext: boolean;
  /** Commits reachable from the revision, from `X-Total-Count`. */
  total: number | undefined;
}

export interface ChangedFileSide {
  oid: string;
  size: number;
  lfs?: { oid: string; size: number };
}

export interface ChangedFile {
  path: string;
  status: 'added' | 'modified' | 'deleted';
  old?: ChangedFileSide;
  new?: ChangedFileSide;
}

export interface CommitDiff extends CommitSummary {
  parents: string[];
  files: ChangedFile[];
}

function apiBase(type: RepoType, repo: string): string {
  return `/api/${type}s/${repo}`;
}

/** A path inside a repo as URL segments, each encoded (names may hold `#`, `?` or spaces). */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export function listRefs(type: RepoType, repo: string, signal?: AbortSignal): Promise<RepoRefs> {
  return apiJson<RepoRefs>(`${apiBase(type, repo)}/refs`, { signal });
}

/** The most entries one folder view loads (the tree route pages by 1,000). */
const MAX_FOLDER_ENTRIES = 10_000;

/** The entries right inside a folder (`''` = the root), following the tree route's pages. */
export async function listFolder(type: RepoType, repo: string, revision: string, path: string, signal?: AbortSignal): Promise<{ entries: TreeEntry[]; truncated: boolean }> {
  const entries: TreeEntry[] = [];
  let url: string | null = `${apiBase(type, repo)}/tree/${encodeURIComponent(revision)}${path ? `/${encodePath(path)}` : ''}?limit=1000`;
  while (url !== null && entries.length < MAX_FOLDER_ENTRIES) {
    const response: Response = await apiFetch(url, { signal });
    entries.push(...((await response.json()) as TreeEntry[]));
    const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    // The server writes absolute links; keep only path and query so the page's origin is used.
    url = next ? new URL(next, window.location.origin).pathname + new URL(next, window.location.origin).search : null;
  }
  return { entries, truncated: url !== null };
}

/** One file or folder at a revision, or undefined when the path does not exist there. */
export async function pathInfo(type: RepoType, repo: string, revision: string, path: string, signal?: AbortSignal): Promise<TreeEntry | undefined> {
  const entries = await apiJson<TreeEntry[]>(`${apiBase(type, repo)}/paths-info/${encodeURIComponent(revision)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ paths: [path] }),
    signal,
  });
  return entries.find((entry) => entry.path === path);
}

/** A file's text, or `binary` when its bytes are not UTF-8 text (a NUL byte or invalid UTF-8). */
export async function readTextFile(type: RepoType, repo: string, revision: string, path: string, signal?: AbortSignal): Promise<{ kind: 'text'; text: string } | { kind: 'binary' }> {
  const bytes = new Uint8Array(await (await apiFetch(resolveUrl(type, repo, revision, path), { signal })).arrayBuffer());
  if (bytes.includes(0)) return { kind: 'binary' };
  try {
    return { kind: 'text', text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { kind: 'binary' };
  }
}

export async function listCommits(type: RepoType, repo: string, revision: string, page: number, limit: number, signal?: AbortSignal): Promise<CommitPage> {
  const response = await apiFetch(`${apiBase(type, repo)}/commits/${encodeURIComponent(revision)}?p=${page}&limit=${limit}`, { signal });
  const commits = (await response.json()) as CommitSummary[];
  const total = Number(response.headers.get('x-total-count') ?? Number.NaN);
  return { commits, hasNext: /rel="next"/.test(response.headers.get('link') ?? ''), total: Number.isFinite(total) ? total : undefined };
}

export function commitDiff(type: RepoType, repo: string, revision: string, signal?: AbortSignal): Promise<CommitDiff> {
  return apiJson<CommitDiff>(`${apiBase(type, repo)}/commit/${encodeURIComponent(revision)}`, { signal });
}

/** Where the UI shows a folder, a file, a revision's history or a commit (Hugging Face Hub URLs). */
export const repoUrls = {
  tree: (base: string, revision: string, path = '') => `${base}/tree/${encodeURIComponent(revision)}${path ? `/${encodePath(path)}` : ''}`,
  blob: (base: string, revision: string, path: string) => `${base}/blob/${encodeURIComponent(revision)}/${encodePath(path)}`,
  commits: (base: string, revision: string) => `${base}/commits/${encodeURIComponent(revision)}`,
  commit: (base: string, sha: string) => `${base}/commit/${encodeURIComponent(sha)}`,
};
