// A streaming chat completion through Moda's OpenAI route (`/v1/chat/completions`, SSE), as the
// `moda run`/`moda chat` commands use it: text deltas as they come, then the finish reason and
// exact usage, with time to first token measured on this side. Errors, before or during the
// stream, become ModaErrors with the server's code.
import { errorCatalog, type ErrorCode } from '../errors/catalog.js';
import { ModaError } from '../errors/moda-error.js';
import type { FetchFunction } from './moda-client.js';
import { codeForStatus, errorFromFetchFailure } from './response-error.js';
import { sseData } from './sse-data.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export type ChatStreamEvent = { event: 'delta'; text: string } | { event: 'done'; finishReason: string | null; usage: ChatUsage | null; firstTokenMs: number | null; totalMs: number };

/** OpenAI's names for the codes Moda maps to them (src/protocols/openai/openai-error.ts), back to the catalog's. */
const FROM_OPENAI: Record<string, ErrorCode> = {
  model_not_found: 'HUB_REPO_NOT_FOUND',
  invalid_api_key: 'AUTH_INVALID_TOKEN',
  context_length_exceeded: 'INPUT_TOO_LONG',
  rate_limit_exceeded: 'QUEUE_FULL',
};

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCatalog, value);
}

/** `{error: {message, code}}` (OpenAI's envelope) as a ModaError. */
export function openAiError(body: unknown, status: number): ModaError {
  const error = (body as { error?: { message?: unknown; code?: unknown } } | null)?.error;
  const code = isErrorCode(error?.code) ? error.code : typeof error?.code === 'string' && error.code in FROM_OPENAI ? (FROM_OPENAI[error.code] as ErrorCode) : codeForStatus(status);
  return new ModaError(code, typeof error?.message === 'string' ? error.message : `chat completion failed: HTTP ${status}`, { details: { status } });
}

interface ChunkShape {
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: ChatUsage | null;
  error?: unknown;
}

export interface ChatServer {
  endpoint: string;
  token?: string;
  fetch?: FetchFunction;
}

/** Streams one answer; `extra` holds any other OpenAI parameters (max_tokens, temperature, seed, …). */
export async function* streamChat(server: ChatServer, model: string, messages: readonly ChatMessage[], extra: Record<string, unknown> = {}, signal?: AbortSignal): AsyncGenerator<ChatStreamEvent, void, undefined> {
  const started = performance.now();
  const url = `${server.endpoint.replace(/\/+$/, '')}/v1/chat/completions`;
  const headers = new Headers({ 'content-type': 'application/json', accept: 'text/event-stream' });
  if (server.token) headers.set('authorization', `Bearer ${server.token}`);
  const fetchFunction = server.fetch ?? ((input: string, init?: RequestInit) => globalThis.fetch(input, init));
  let response: Response;
  try {
    response = await fetchFunction(url, { method: 'POST', headers, body: JSON.stringify({ ...extra, model, messages, stream: true, stream_options: { include_usage: true } }), ...(signal && { signal }) });
  } catch (error) {
    throw errorFromFetchFailure(error, url, signal);
  }
  if (!response.ok || !response.body) {
    const text = await response.text().catch(() => '');
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      // A proxy's page: the status says what happened.
    }
    throw openAiError(body, response.status);
  }
  let firstTokenMs: number | null = null;
  let finishReason: string | null = null;
  let usage: ChatUsage | null = null;
  for await (const data of sseData(response.body, signal)) {
    const chunk = JSON.parse(data) as ChunkShape;
    if (chunk.error !== undefined) throw openAiError(chunk, 500);
    const choice = chunk.choices?.[0];
    const text = choice?.delta?.content;
    if (text) {
      firstTokenMs ??= performance.now() - started;
      yield { event: 'delta', text };
    }
    if (choice?.finish_reason) finishReason = choice.finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  if (signal?.aborted) return;
  yield { event: 'done', finishReason, usage, firstTokenMs, totalMs: performance.now() - started };
}
