// How a ModaError reads to OpenAI clients: `{error: {message, type, param, code}}`. `type` follows
// the HTTP status as OpenAI's does; `code` is OpenAI's name where clients know one
// (model_not_found, invalid_api_key, context_length_exceeded), else Moda's stable catalog code.
import type { ErrorCode } from '../../errors/catalog.js';
import { isModaError, ModaError } from '../../errors/moda-error.js';

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

const OPENAI_CODES: Partial<Record<ErrorCode, string>> = {
  HUB_REPO_NOT_FOUND: 'model_not_found',
  AUTH_INVALID_TOKEN: 'invalid_api_key',
  INPUT_TOO_LONG: 'context_length_exceeded',
  QUEUE_FULL: 'rate_limit_exceeded',
};

function typeOf(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

export function openAiErrorBody(error: ModaError, message: string): OpenAiErrorBody {
  const param = error.details?.param;
  return { error: { message, type: typeOf(error.status), param: typeof param === 'string' ? param : null, code: OPENAI_CODES[error.code] ?? error.code } };
}

/**
 * A failure to find or load `model` for an endpoint, reworded as OpenAI clients expect: an unknown
 * or unreadable model is model_not_found, a model of the wrong kind says which kind the endpoint needs.
 */
export function modelErrorFor(error: unknown, model: string, needs: string): unknown {
  if (!isModaError(error)) return error;
  if (error.code === 'HUB_REPO_NOT_FOUND') return new ModaError('HUB_REPO_NOT_FOUND', `The model '${model}' does not exist or you do not have access to it.`, { cause: error, details: { param: 'model' } });
  if (error.code === 'TASK_MISMATCH' || error.code === 'MODEL_NOT_RUNNABLE') return new ModaError(error.code, `${model} cannot serve this endpoint, which needs ${needs}: ${error.message}`, { cause: error, details: { param: 'model' } });
  return error;
}
