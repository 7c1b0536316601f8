// The one error type Moda throws: a catalog code plus a human message, optional details and cause.
import { errorCatalog, type ErrorCode, type ErrorSpec } from './catalog.js';

export class ModaError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    const spec: ErrorSpec = errorCatalog[code];
    super(message ?? spec.message, { cause: options.cause });
    this.name = 'ModaError';
    this.code = code;
    this.status = spec.status;
    this.retryable = spec.retryable;
    this.details = options.details;
  }

  /** The `X-Error-Code` Hugging Face clients understand, when there is one. */
  get hfCode(): string | undefined {
    const spec: ErrorSpec = errorCatalog[this.code];
    return spec.hfCode;
  }
}

export function isModaError(error: unknown): error is ModaError {
  return error instanceof ModaError;
}
