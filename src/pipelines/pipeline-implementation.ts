// The contract between the runtime and one way of running a task: load a snapshot into a model that
// runs a batch, reports its memory and can be disposed. One implementation per `pipeline.type`.
import type { ModelSnapshot } from '../runtime/model-snapshot.js';
import type { TaskId } from '../tasks/catalog.js';
import type { PipelineLimits } from './limits/pipeline-limits.js';

export type Device = 'cpu' | 'cuda';

export interface LoadOptions {
  /** The task asked for; implementations serving several tasks pick their behaviour by it. */
  task: TaskId;
  device: Device;
  /** Intra-op threads; 0 = one per core. */
  threads: number;
  /** ONNX Runtime sessions: whether idle intra-op threads spin (unset: ONNX Runtime's default). */
  spinning?: boolean;
  /** What the server allows this model; unset fields keep DEFAULT_PIPELINE_LIMITS. */
  limits?: Partial<PipelineLimits>;
  /** GGUF models: sequences of the one context, tokens per sequence, requests that may wait. */
  llm?: LlmLoadOptions;
}

export interface LlmLoadOptions {
  sequences: number;
  contextSize: number;
  maxQueue: number;
}

export interface RunContext {
  /** Largest image, width × height, that may be decoded. */
  maxImagePixels: number;
  /** Used for http(s) image URLs. */
  fetch: typeof globalThis.fetch;
  signal?: AbortSignal;
}

export interface LoadedPipeline {
  task: TaskId;
  /** The implementation's `type`. */
  type: string;
  /** onnx, tfjs, fasttext, … */
  engine: string;
  /** Resident bytes this model holds (weights and sessions), as best known. */
  memoryBytes: number;
  /**
   * Runs a batch. Inputs and parameters have passed the task schema; media are still undecoded.
   * Returns one output per input, in order, each matching the task's output schema.
   */
  run(inputs: readonly unknown[], parameters: Readonly<Record<string, unknown>>, context: RunContext): Promise<unknown[]>;
  /**
   * Text generation with a token-level view, for protocols that stream and bill by token (the
   * OpenAI API). Only generative pipelines have it; it runs beside the batcher, one call per request.
   */
  generate?(request: GenerateRequest): Promise<GenerateResult>;
  /** Tokens each text takes as the model's input, special tokens included; for usage reports. Runs in the model's process. */
  countTokens?(texts: readonly string[]): Promise<number[]>;
  /** Generation stops at the next token when its signal aborts (llama.cpp): a deadline need not kill the process. */
  interruptible?: boolean;
  dispose(): Promise<void>;
}

export interface ChatTurn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface GenerateRequest {
  /** A prompt to continue, or a chat answered through the model's chat template. */
  prompt: string | readonly ChatTurn[];
  /** Parameters of the text-generation task (max_new_tokens, temperature, top_p, stop, seed, …), already validated. */
  parameters: Readonly<Record<string, unknown>>;
  /** Called once the prompt is tokenized and fits, before the first token is generated. */
  onStart?: (promptTokens: number) => void;
  /** Called with each piece of new text once it is final; the pieces add up to the result's text. With `logprobs` asked for, the tokens it came from. */
  onText?: (delta: string, logprobs?: readonly TokenLogprob[]) => void;
  /**
   * Called for each token generated, text or not (a token may add no final text yet): the model
   * process's supervisor sees generation going on from it and stops only a generation that stalls.
   */
  onToken?: () => void;
  /** Stops generation at the next token; the call then rejects with REQUEST_CANCELLED. */
  signal?: AbortSignal;
}

export interface GenerateResult {
  /** The new text only, cut before the first stop string. */
  text: string;
  /** 'stop': end-of-text token or a stop string; 'length': the token limit or the context ran out. */
  finishReason: 'stop' | 'length';
  promptTokens: number;
  /** Tokens generated, an end-of-text token included. */
  completionTokens: number;
  /** Per generated token, when the request asked for `logprobs` (GGUF models). */
  logprobs?: TokenLogprob[];
}

/** One generated token's log probability and its most likely alternatives, as OpenAI reports them. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: { token: string; logprob: number; bytes: number[] }[];
}

export interface PipelineImplementation {
  /** Matched against `pipeline.type` in configuration.json. */
  type: string;
  tasks: readonly TaskId[];
  engine: string;
  load(snapshot: ModelSnapshot, options: LoadOptions): Promise<LoadedPipeline>;
}
