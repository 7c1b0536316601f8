// Turns a failed HTTP answer into a ModaError: the server's catalog code when it sent one (JSON body
// `{error, code}`, the LFS envelope `{message, code}`, or the X-Error-Code header on HEAD answers),
// otherwise a code chosen by status, so callers branch on `code` and never parse messages.
import { errorCatalog, type ErrorCode } from '../errors/catalog.js';
import { ModaError } from '../errors/moda-error.js';

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCatalog, value);
}

/** `RepoNotFound` (what X-Error-Code carries for Hugging Face clients) → `HUB_REPO_NOT_FOUND`. */
function codeOfHfCode(value: string): ErrorCode | undefined {
  for (const [code, spec] of Object.entries(errorCatalog)) {
    if ('hfCode' in spec && spec.hfCode === value) return code as ErrorCode;
  }
  return undefined;
}

export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'BAD_REQUEST';
    case 401:
      return 'AUTH_REQUIRED';
    case 403:
      return 'AUTH_FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'HUB_COMMIT_CONFLICT';
    case 412:
      return 'HUB_PARENT_COMMIT_STALE';
    case 413:
      return 'BODY_TOO_LARGE';
    case 416:
      return 'RANGE_NOT_SATISFIABLE';
    case 502:
    case 503:
    case 504:
      return 'UPSTREAM_UNAVAILABLE';
    default:
      return status >= 500 ? 'INTERNAL' : 'BAD_REQUEST';
  }
}

export async function errorFromResponse(response: Response, what: string): Promise<ModaError> {
  let body: Record<string, unknown> = {};
  const text = await response.text().catch(() => '');
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's HTML page, an empty HEAD answer): fall back to headers and status.
  }
  const header = response.headers.get('x-error-code') ?? '';
  const code = isErrorCode(body.code) ? body.code : isErrorCode(header) ? header : (codeOfHfCode(header) ?? codeForStatus(response.status));
  const serverMessage = typeof body.error === 'string' ? body.error : typeof body.message === 'string' ? body.message : response.headers.get('x-error-message');
  const message = serverMessage || `${what}: HTTP ${response.status} ${response.statusText}`.trim();
  return new ModaError(code, message, {
    details: { status: response.status, url: response.url, requestId: response.headers.get('x-request-id') ?? undefined },
  });
}

/** A fetch that threw: an abort passes through untouched, anything else means the server is unreachable. */
export function errorFromFetchFailure(error: unknown, url: string, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason ?? error;
  if (error instanceof Error && error.name === 'AbortError') return error;
  if (error instanceof ModaError) return error;
  const reason = error instanceof Error ? ((error.cause instanceof Error ? error.cause.message : '') || error.message) : String(error);
  return new ModaError('UPSTREAM_UNAVAILABLE', `cannot reach ${new URL(url).origin}: ${reason}`, { cause: error });
}
