// What a pull reads from: an upstream hub seen as one snapshot (files with their digests at a
// revision, the head commit's message) plus ranged file downloads. hf-upstream.ts and
// ms-upstream.ts implement it for the two wire APIs; pull and the read-through mirror consume it.
import { ModaError } from '../errors/moda-error.js';
import type { RepoType } from '../db/schema.js';
import type { FetchFunction } from '../client/moda-client.js';
import { checkFilePath } from '../hub/paths.js';

export interface UpstreamFile {
  path: string;
  size: number;
  /** sha256 of the content, when the upstream says it (LFS oid on HF, every file on ModelScope). */
  sha256?: string;
  /** git blob sha1 of the content (HF regular files). */
  gitSha1?: string;
  /** How the upstream stores the file; undefined when it does not say (the local hub decides). */
  lfs?: boolean;
}

export interface UpstreamSnapshot {
  /** `hf:ns/name` and the like, for messages. */
  label: string;
  type: RepoType;
  /** `namespace/name` on the upstream. */
  repo: string;
  /** What downloads ask for: the commit sha when the upstream has one, else the revision name. */
  revision: string;
  /** The upstream commit sha, when the upstream API exposes one. */
  commit?: string;
  /** Head commit's title and body (the local import commit reuses them). */
  title: string;
  message: string;
  /** Head commit's date, when known. */
  date?: Date;
  /** True when the upstream would not serve the repo to an anonymous client (private or gated). */
  restricted: boolean;
  files: UpstreamFile[];
}

export interface Upstream {
  readonly label: string;
  snapshot(signal?: AbortSignal): Promise<UpstreamSnapshot>;
  /** GET one file of the snapshot, optionally a byte range (`end` inclusive, open when absent). */
  fetchFile(snapshot: UpstreamSnapshot, path: string, range: { start: number; end?: number } | undefined, signal: AbortSignal): Promise<Response>;
}

export interface UpstreamOptions {
  /** Base URL of the upstream hub. */
  endpoint: string;
  /** `namespace/name`. */
  repo: string;
  type: RepoType;
  /** Branch, tag or commit; default: the upstream's default branch. */
  revision?: string;
  /** Credentials for the upstream; none = anonymous. */
  token?: string;
  fetch?: FetchFunction;
}

const SHA256 = /^[0-9a-f]{64}$/;
const SHA1 = /^[0-9a-f]{40}$/;

/** The digest a file is verified with: sha256 when known, else the git blob sha1. */
export function digestOf(file: UpstreamFile): string {
  return file.sha256 ?? (file.gitSha1 as string);
}

/**
 * Checks what an upstream listed before any of it touches the disk: safe relative paths, sizes, at
 * least one digest per file, no path twice. An upstream is not trusted more than a client.
 */
export function checkUpstreamFiles(label: string, files: UpstreamFile[]): UpstreamFile[] {
  const seen = new Set<string>();
  for (const file of files) {
    try {
      checkFilePath(file.path);
    } catch (error) {
      throw new ModaError('UPSTREAM_INVALID_RESPONSE', `${label} lists an unsafe path: ${(error as Error).message}`, { cause: error });
    }
    if (seen.has(file.path)) throw new ModaError('UPSTREAM_INVALID_RESPONSE', `${label} lists ${file.path} twice`);
    seen.add(file.path);
    if (!Number.isSafeInteger(file.size) || file.size < 0) throw new ModaError('UPSTREAM_INVALID_RESPONSE', `${label} gives ${file.path} an invalid size`);
    if (file.sha256 !== undefined && !SHA256.test(file.sha256)) throw new ModaError('UPSTREAM_INVALID_RESPONSE', `${label} gives ${file.path} an invalid sha256`);
    if (file.gitSha1 !== undefined && !SHA1.test(file.gitSha1)) throw new ModaError('UPSTREAM_INVALID_RESPONSE', `${label} gives ${file.path} an invalid blob id`);
    if (file.sha256 === undefined && file.gitSha1 === undefined) {
      throw new ModaError('UPSTREAM_INVALID_RESPONSE', `${label} gives no digest for ${file.path}, so it cannot be verified`);
    }
  }
  return files;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

const NETWORK_CODES = /^(ECONN|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_|EHOSTUNREACH|ENETUNREACH|UND_ERR)/;

/** A local system error (ENOSPC, EACCES…) is ours, not the upstream's; network ones are the upstream's. */
function isLocalSystemError(error: unknown): boolean {
  const candidate = error as NodeJS.ErrnoException | undefined;
  return typeof candidate?.code === 'string' && typeof candidate.syscall === 'string' && !NETWORK_CODES.test(candidate.code);
}

/**
 * Runs a step that talks to the upstream and names the upstream in what it throws. A connection
 * that drops mid-body surfaces from undici as a bare TypeError ("terminated"); it becomes
 * UPSTREAM_UNAVAILABLE like a refused connection, so callers branch on one code.
 */
export async function fromUpstream<T>(label: string, step: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (signal?.aborted || isAbort(error) || isLocalSystemError(error)) throw error;
    if (error instanceof ModaError) {
      if (error.message.startsWith(label)) throw error;
      throw new ModaError(error.code, `${label}: ${error.message}`, { cause: error.cause ?? error, details: error.details });
    }
    const reason = error instanceof Error ? ((error.cause instanceof Error ? error.cause.message : '') || error.message) : String(error);
    throw new ModaError('UPSTREAM_UNAVAILABLE', `${label}: the upstream went away (${reason})`, { cause: error });
  }
}
