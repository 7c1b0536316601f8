// One text generation through a transformers.js causal LM with a token-level view: the prompt (or
// the chat, through the model's template) is tokenized here so usage can be counted, new text is
// handed out as soon as it is final, stop strings and an AbortSignal end generation at the next
// token, and the finish reason is reported. The text-generation task and the OpenAI API share it.
import { BaseStreamer, InterruptableStoppingCriteria, random, type Tensor } from '@huggingface/transformers';
import { ModaError } from '../../errors/moda-error.js';
import { pipelineLimits, type PipelineLimits } from '../limits/pipeline-limits.js';
import { isTimeLimitError, runWithTimeLimit } from '../limits/run-with-time-limit.js';
import type { GenerateRequest, GenerateResult } from '../pipeline-implementation.js';
import { renderChatTemplate, type ChatTemplateTokenizer } from './render-chat-template.js';

type TokenIds = readonly (number | bigint)[];

/** The parts of a transformers.js text-generation pipeline this file uses. */
export interface CausalLmParts {
  tokenizer: ChatTemplateTokenizer & {
    (text: string, options: { add_special_tokens: boolean }): { input_ids: Tensor; attention_mask: Tensor };
    decode(ids: TokenIds, options: { skip_special_tokens: boolean }): string;
    chat_template: unknown;
    add_bos_token?: boolean;
    add_eos_token?: boolean;
    model_max_length: number;
  };
  model: {
    config: object;
    generation_config: object | null;
    generate(options: Record<string, unknown>): Promise<unknown>;
  };
}

/** Used when neither the request nor generation_config.json bounds the answer. */
const DEFAULT_MAX_NEW_TOKENS = 1024;
/**
 * New tokens are decoded after this many prompt tokens and the prompt's text is cut off again:
 * SentencePiece-style decoders drop the leading space of a sequence's first token, so decoding the
 * new tokens alone would lose the space between prompt and continuation (" there" → "there").
 */
const DECODE_CONTEXT_TOKENS = 8;

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** How many tokens the model reads in all, prompt plus answer; Infinity when nothing says. */
function contextLength(parts: CausalLmParts): number {
  const config = parts.model.config as Record<string, unknown>;
  return numberOf(config.max_position_embeddings) ?? numberOf(config.n_positions) ?? numberOf(config.n_ctx) ?? numberOf(config.max_sequence_length) ?? numberOf(parts.tokenizer.model_max_length) ?? Infinity;
}

function eosIds(parts: CausalLmParts): Set<bigint> {
  const value = (parts.model.generation_config as { eos_token_id?: unknown } | null)?.eos_token_id ?? (parts.model.config as { eos_token_id?: unknown }).eos_token_id;
  const list = Array.isArray(value) ? value : [value];
  return new Set(list.filter((id): id is number => typeof id === 'number').map((id) => BigInt(id)));
}

/** HF semantics (temperature and top_p only matter when sampling), except that temperature 0 means greedy. */
function samplingOptions(parameters: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const name of ['do_sample', 'top_k', 'top_p'] as const) if (parameters[name] !== undefined) options[name] = parameters[name];
  if (parameters.temperature === 0) options.do_sample = false;
  else if (parameters.temperature !== undefined) options.temperature = parameters.temperature;
  return options;
}

function firstStop(text: string, stops: readonly string[]): number | undefined {
  let first: number | undefined;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at >= 0 && (first === undefined || at < first)) first = at;
  }
  return first;
}

/**
 * The part of `text` that can be handed out now: not a trailing half of a multi-byte character
 * (decoded as U+FFFD until its last byte arrives), nor a tail that may grow into a stop string.
 */
function settledPart(text: string, stops: readonly string[]): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === '\uFFFD') end--;
  let held = 0;
  for (const stop of stops) {
    for (let length = Math.min(stop.length - 1, end); length > held; length--) {
      if (text.slice(end - length, end) === stop.slice(0, length)) {
        held = length;
        break;
      }
    }
  }
  return text.slice(0, end - held);
}

/** Receives tokens from `generate()` (the prompt first), keeps the new text and hands out what has settled. */
class DeltaStreamer extends BaseStreamer {
  readonly ids: bigint[] = [];
  text = '';
  /** A stop string ended the text. */
  stopped = false;
  /** The byte limit ended the text. */
  truncated = false;
  private promptSeen = false;
  private sent = '';

  constructor(
    private readonly decodeNew: (ids: readonly bigint[]) => string,
    private readonly stops: readonly string[],
    private readonly interrupt: InterruptableStoppingCriteria,
    private readonly onText: ((delta: string) => void) | undefined,
    private readonly maxBytes: number,
    private readonly onToken: (() => void) | undefined,
  ) {
    super();
  }

  override put(value: bigint[][]): void {
    if (!this.promptSeen) {
      this.promptSeen = true;
      return;
    }
    if (this.stopped || this.truncated) return;
    this.onToken?.();
    this.ids.push(...(value[0] ?? []));
    const text = this.decodeNew(this.ids);
    const cut = firstStop(text, this.stops);
    if (cut !== undefined) {
      this.text = text.slice(0, cut);
      this.stopped = true;
      this.interrupt.interrupt();
      this.emit(this.text);
      return;
    }
    if (text.length * 3 > this.maxBytes && Buffer.byteLength(text) > this.maxBytes) {
      // A vocabulary of huge tokens must not make the answer huge: it ends here, as at the token limit.
      this.text = Buffer.from(text).subarray(0, this.maxBytes).toString().replace(/\uFFFD$/, '');
      this.truncated = true;
      this.interrupt.interrupt();
      this.emit(this.text);
      return;
    }
    this.text = text;
    this.emit(settledPart(text, this.stops));
  }

  override end(): void {
    this.emit(this.text);
  }

  private emit(ready: string): void {
    // A decoder that rewrites earlier text (rare) cannot take back what was sent; wait until it agrees again.
    if (ready.length <= this.sent.length || !ready.startsWith(this.sent)) return;
    const delta = ready.slice(this.sent.length);
    this.sent = ready;
    this.onText?.(delta);
  }
}

function promptText(parts: CausalLmParts, prompt: GenerateRequest['prompt'], limits: PipelineLimits): { text: string; addSpecialTokens: boolean } {
  const { tokenizer } = parts;
  // As transformers.js's text-generation pipeline does: a plain prompt gets BOS/EOS only when the
  // tokenizer asks for them; a chat template writes its own.
  if (typeof prompt === 'string') return { text: prompt, addSpecialTokens: Boolean(tokenizer.add_bos_token || tokenizer.add_eos_token) };
  if (!tokenizer.chat_template) throw new ModaError('TASK_INPUT_INVALID', 'this model has no chat template; send a prompt string instead of messages');
  return { text: renderChatTemplate(tokenizer, prompt.map(({ role, content }) => ({ role, content })), limits), addSpecialTokens: false };
}

/** The prompt's tokens; the tokenizer's regexes are model data, so tokenizing is bounded in time too. */
function tokenize(parts: CausalLmParts, text: string, addSpecialTokens: boolean, limits: PipelineLimits): { input_ids: Tensor; attention_mask: Tensor } {
  try {
    return runWithTimeLimit(() => parts.tokenizer(text, { add_special_tokens: addSpecialTokens }), limits.chatTemplateTimeoutMs);
  } catch (error) {
    if (isTimeLimitError(error)) throw new ModaError('INPUT_TOO_LONG', `tokenizing the prompt took longer than ${limits.chatTemplateTimeoutMs} ms`);
    throw error;
  }
}

export async function generateText(parts: CausalLmParts, request: GenerateRequest, limits: PipelineLimits = pipelineLimits()): Promise<GenerateResult> {
  const { tokenizer, model } = parts;
  const { parameters } = request;
  if (request.signal?.aborted) throw new ModaError('REQUEST_CANCELLED');
  const { text, addSpecialTokens } = promptText(parts, request.prompt, limits);
  const encoded = tokenize(parts, text, addSpecialTokens, limits);
  const promptIds = (encoded.input_ids.tolist() as bigint[][])[0] ?? [];
  const promptTokens = promptIds.length;
  if (promptTokens === 0) throw new ModaError('TASK_INPUT_INVALID', 'the prompt holds no tokens');
  const room = contextLength(parts) - promptTokens;
  if (room <= 0) throw new ModaError('INPUT_TOO_LONG', `the prompt is ${promptTokens} tokens; this model reads at most ${contextLength(parts)} in all`);
  const configured = numberOf((model.generation_config as { max_new_tokens?: unknown } | null)?.max_new_tokens);
  // generation_config.json is model data: its max_new_tokens is capped like a request's.
  const maxNewTokens = Math.min((parameters.max_new_tokens as number | undefined) ?? configured ?? DEFAULT_MAX_NEW_TOKENS, room, limits.maxNewTokens);

  const contextIds = promptIds.slice(-DECODE_CONTEXT_TOKENS);
  const contextText = tokenizer.decode(contextIds, { skip_special_tokens: true });
  const decodeNew = (ids: readonly bigint[]): string => {
    const full = tokenizer.decode([...contextIds, ...ids], { skip_special_tokens: true });
    return full.startsWith(contextText) ? full.slice(contextText.length) : tokenizer.decode(ids, { skip_special_tokens: true });
  };
  const interrupt = new InterruptableStoppingCriteria();
  const stops = (parameters.stop as string[] | undefined) ?? [];
  const streamer = new DeltaStreamer(decodeNew, stops, interrupt, request.onText, limits.maxOutputBytes, request.onToken);
  const onAbort = () => interrupt.interrupt();
  request.signal?.addEventListener('abort', onAbort, { once: true });
  // The sampler draws from transformers.js's one global generator, so a seed is best effort when
  // requests interleave, as with OpenAI's own `seed`.
  if (typeof parameters.seed === 'number') random.seed(parameters.seed);
  request.onStart?.(promptTokens);
  try {
    await model.generate({ ...encoded, ...samplingOptions(parameters), max_new_tokens: maxNewTokens, streamer, stopping_criteria: interrupt });
  } finally {
    request.signal?.removeEventListener('abort', onAbort);
  }
  if (request.signal?.aborted) throw new ModaError('REQUEST_CANCELLED');
  const last = streamer.ids.at(-1);
  const ended = streamer.stopped || (last !== undefined && eosIds(parts).has(last));
  return { text: streamer.text, finishReason: ended ? 'stop' : 'length', promptTokens, completionTokens: streamer.ids.length };
}
