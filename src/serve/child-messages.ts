// The messages between a model's child process (pipeline-child.ts) and the server that supervises
// it (load-in-child.ts), sent over the child's IPC channel with `serialization: 'advanced'` (the
// structured clone): media bytes travel as Uint8Array, errors as their catalog code, message and details.
import { errorCatalog, type ErrorCode } from '../errors/catalog.js';
import { ModaError } from '../errors/moda-error.js';
import type { PipelineLimits } from '../pipelines/limits/pipeline-limits.js';
import type { ChatTurn, Device, GenerateResult, LlmLoadOptions, TokenLogprob } from '../pipelines/pipeline-implementation.js';
import type { ModelSnapshot } from '../runtime/model-snapshot.js';
import { withoutServerPaths } from '../runtime/without-server-paths.js';
import type { TaskId } from '../tasks/catalog.js';

export interface ChildSetup {
  snapshot: ModelSnapshot;
  /** The implementation's `type`, as planned by the server. */
  implementationType: string;
  task: TaskId;
  device: Device;
  threads: number;
  /** ONNX Runtime sessions: whether idle intra-op threads spin (unset: ONNX Runtime's default). */
  spinning?: boolean;
  /** The server's limits on what the model controls (labels, output bytes, templates, external programs). */
  limits?: Partial<PipelineLimits>;
  /** Sequences and context of a GGUF model. */
  llm?: LlmLoadOptions;
}

/** A generation tells the server it is alive at least this often while it produces tokens. */
export const GENERATE_PROGRESS_MS = 250;

/** New text of one generation (call `id`) and, when asked, its tokens' logprobs. */
export interface GeneratedText {
  id: number;
  delta: string;
  logprobs?: readonly TokenLogprob[];
}

export interface SerializedError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export type ToChild =
  | { kind: 'setup'; setup: ChildSetup }
  | { kind: 'run'; id: number; inputs: readonly unknown[]; parameters: Readonly<Record<string, unknown>>; maxImagePixels: number }
  /** Text generation (the OpenAI routes): chat template, tokenizer and decoding all run in the child. */
  | { kind: 'generate'; id: number; prompt: string | readonly ChatTurn[]; parameters: Readonly<Record<string, unknown>> }
  | { kind: 'count-tokens'; id: number; texts: readonly string[] }
  /** `deadline`: the call ran out of time (504) rather than its client leaving. */
  | { kind: 'cancel'; id: number; reason?: 'deadline' }
  | { kind: 'dispose' };

export type FromChild =
  | { kind: 'ready' }
  | { kind: 'loaded'; type: string; engine: string; memoryBytes: number; generates: boolean; countsTokens: boolean; interruptible?: boolean }
  | { kind: 'load-failed'; error: SerializedError }
  | { kind: 'result'; id: number; outputs: unknown[] }
  | { kind: 'generated'; id: number; result: GenerateResult }
  | { kind: 'generate-start'; id: number; promptTokens: number }
  /** Texts of one or more generations, in order; several when their tokens came in the same tick (text-outbox.ts). */
  | { kind: 'generate-text'; texts: readonly GeneratedText[] }
  /** Tokens are still being generated though no text was sent for a while (GENERATE_PROGRESS_MS). */
  | { kind: 'generate-progress'; id: number }
  | { kind: 'counted'; id: number; counts: number[] }
  | { kind: 'failed'; id: number; error: SerializedError }
  | { kind: 'disposed' };

/** String details with server paths taken out; other values as they are. */
function detailsWithoutPaths(details: Record<string, unknown>, root: string | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details).map(([key, value]) => [key, typeof value === 'string' ? withoutServerPaths(value, root) : value]));
}

/**
 * A thrown value as it crosses to the other process; errors that are not Moda's keep their message
 * under `fallback`. Every error of a model process passes here, so whatever an engine or Node put
 * in a message (a file's absolute path) leaves it relative to the snapshot `root`, or shortened.
 */
export function serializeError(error: unknown, fallback: ErrorCode, root?: string): SerializedError {
  if (error instanceof ModaError) return { code: error.code, message: withoutServerPaths(error.message, root), ...(error.details && { details: detailsWithoutPaths(error.details, root) }) };
  return { code: fallback, message: withoutServerPaths(error instanceof Error ? error.message : String(error), root) };
}

export function deserializeError(error: SerializedError): ModaError {
  const code: ErrorCode = error.code in errorCatalog ? error.code : 'INTERNAL';
  return new ModaError(code, error.message, error.details ? { details: error.details } : {});
}
