// Turns what the AWS SDK throws into the catalog's codes: a store that cannot be reached (refused
// connection, timeout, 5xx, throttling) is BLOB_STORE_UNAVAILABLE (503, retry helps); a store that
// answers but refuses (credentials, missing bucket) is BLOB_STORE_REFUSED, which an operator fixes.
import { ModaError } from '../errors/moda-error.js';

interface SdkErrorShape {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

/** The HTTP status the store answered with, or undefined when it never answered. */
export function storeStatus(error: unknown): number | undefined {
  return (error as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
}

export function isStoreNotFound(error: unknown): boolean {
  const name = (error as SdkErrorShape | undefined)?.name;
  return storeStatus(error) === 404 || name === 'NotFound' || name === 'NoSuchKey';
}

export function storeError(error: unknown, what: string): ModaError {
  if (error instanceof ModaError) return error;
  const shape = (error ?? {}) as SdkErrorShape;
  const status = storeStatus(error);
  const reason = `${shape.name ?? shape.code ?? 'error'}${status ? ` (HTTP ${status})` : ''}`;
  const unreachable =
    status === undefined ||
    status >= 500 ||
    status === 429 ||
    NETWORK_CODES.has(shape.code ?? '') ||
    NETWORK_CODES.has(shape.name ?? '') ||
    shape.name === 'TimeoutError' ||
    shape.name === 'RequestTimeout';
  return new ModaError(unreachable ? 'BLOB_STORE_UNAVAILABLE' : 'BLOB_STORE_REFUSED', `object store: ${what} failed: ${reason}`, { cause: error });
}
