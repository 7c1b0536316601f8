// One generation on one sequence of a llama.cpp context: evaluates the prompt, samples token after
// token (llama.cpp batches this sequence's next token with every other sequence's), streams text
// once it is final (no half UTF-8 characters, nothing that may still turn into a stop string), and
// stops at an end-of-generation token, a stop string, the token limit or the signal — whichever is
// first — at the next token. Text grows by each token's piece (IncrementalDetokenizer), so a long
// answer costs the same per token as a short one.
import type { LlamaContextSequence, LlamaGrammarEvaluationState, LlamaModel, Token, TokenBias } from 'node-llama-cpp';
import type { TokenLogprob } from '../pipeline-implementation.js';
import { IncrementalDetokenizer } from './incremental-detokenizer.js';
import { abortError } from './sequence-pool.js';

export interface Sampling {
  temperature: number;
  topP?: number;
  topK?: number;
  seed?: number;
}

export interface GenerateTokensOptions {
  maxTokens: number;
  sampling: Sampling;
  stop: readonly string[];
  grammar?: LlamaGrammarEvaluationState;
  /**
   * JSON grammars: stop once the text is a whole JSON object or array. The grammar then allows only
   * whitespace, which random or weak models go on emitting instead of an end token.
   */
  stopWhenJsonComplete?: boolean;
  tokenBias?: TokenBias;
  /** Alternatives per token to report; undefined = no logprobs. */
  topLogprobs?: number;
  signal?: AbortSignal;
  onText?: (delta: string, logprobs?: readonly TokenLogprob[]) => void;
}

export interface GeneratedTokens {
  text: string;
  finishReason: 'stop' | 'length';
  /** Tokens sampled, an end-of-generation token included. */
  completionTokens: number;
  logprobs?: TokenLogprob[];
}

const encoder = new TextEncoder();

function logprobOf(model: LlamaModel, token: Token, previous: readonly Token[], probabilities: ReadonlyMap<Token, number> | undefined, top: number): TokenLogprob {
  // The tokens before it decide a SentencePiece token's leading space.
  const text = model.detokenize([token], false, previous);
  const entries = [...(probabilities ?? new Map<Token, number>()).entries()].sort((a, b) => b[1] - a[1]);
  // With greedy sampling llama.cpp reports no distribution: the chosen token had all of it.
  const probability = probabilities?.get(token) ?? (entries.length === 0 ? 1 : 0);
  return {
    token: text,
    logprob: Math.log(Math.max(probability, Number.MIN_VALUE)),
    bytes: [...encoder.encode(text)],
    top_logprobs: entries.slice(0, top).map(([candidate, p]) => {
      const piece = model.detokenize([candidate], false, previous);
      return { token: piece, logprob: Math.log(Math.max(p, Number.MIN_VALUE)), bytes: [...encoder.encode(piece)] };
    }),
  };
}

/** Where the first stop string starts in `text`, or -1. */
function firstStop(text: string, stop: readonly string[], from: number): number {
  let found = -1;
  for (const candidate of stop) {
    const at = text.indexOf(candidate, Math.max(0, from - candidate.length));
    if (at >= 0 && (found < 0 || at < found)) found = at;
  }
  return found;
}

/** How many characters at the end of `text` could still begin a stop string, so are held back. */
function heldBack(text: string, stop: readonly string[]): number {
  let hold = 0;
  for (const candidate of stop) {
    for (let length = Math.min(candidate.length - 1, text.length); length > hold; length--) {
      if (text.endsWith(candidate.slice(0, length))) {
        hold = length;
        break;
      }
    }
  }
  return hold;
}

function isWholeJson(text: string): boolean {
  const trimmed = text.trimEnd();
  if (!trimmed.endsWith('}') && !trimmed.endsWith(']')) return false;
  try {
    JSON.parse(trimmed);
    return true;
  } catch {
    return false;
  }
}

export async function generateTokens(model: LlamaModel, sequence: LlamaContextSequence, prompt: Token[], options: GenerateTokensOptions): Promise<GeneratedTokens> {
  /** The tokens so far, for logprobs: a token's text depends on the ones before it. */
  const generated: Token[] = [];
  const logprobs: TokenLogprob[] = [];
  let pendingLogprobs: TokenLogprob[] = [];
  let completionTokens = 0;
  let emitted = 0;
  let text = '';
  let finishReason: GeneratedTokens['finishReason'] = 'length';
  const wantLogprobs = options.topLogprobs !== undefined;
  // Tokens that end inside a UTF-8 character add no text until it is complete.
  const detokenizer = new IncrementalDetokenizer(model);
  /** Adds text; true when the answer ends there (a stop string, or a whole JSON value). */
  const append = (piece: string): boolean => {
    if (piece === '') return false;
    const before = text.length;
    text += piece;
    const stopAt = firstStop(text, options.stop, before);
    if (stopAt >= 0) {
      text = text.slice(0, stopAt);
      return true;
    }
    if (options.stopWhenJsonComplete && isWholeJson(text)) {
      text = text.trimEnd();
      return true;
    }
    return false;
  };
  let cut = false;
  const emit = (upTo: number) => {
    if (upTo <= emitted) return;
    options.onText?.(text.slice(emitted, upTo), wantLogprobs ? pendingLogprobs : undefined);
    pendingLogprobs = [];
    emitted = upTo;
  };
  if (options.maxTokens > 0) {
    const { temperature, topP, topK, seed } = options.sampling;
    const iterator = sequence.evaluateWithMetadata(prompt, { probabilities: wantLogprobs }, {
      temperature,
      ...(topP !== undefined && { topP }),
      ...(topK !== undefined && { topK }),
      ...(seed !== undefined && { seed }),
      ...(options.grammar && { grammarEvaluationState: options.grammar }),
      ...(options.tokenBias && { tokenBias: options.tokenBias }),
    });
    // node-llama-cpp ends this iterator by itself when it samples an end-of-generation token, without
    // yielding it; every other way out of the loop is a `break` below (or a throw), so reaching its
    // end with a prompt evaluated means the model ended its answer: finish reason stop, not length.
    let endedByModel = prompt.length > 0;
    for await (const item of iterator) {
      if (options.signal?.aborted) throw abortError(options.signal);
      completionTokens++;
      if (wantLogprobs) {
        const entry = logprobOf(model, item.token, generated.slice(-8), (item as { probabilities?: ReadonlyMap<Token, number> }).probabilities, options.topLogprobs ?? 0);
        logprobs.push(entry);
        pendingLogprobs.push(entry);
        generated.push(item.token);
      }
      if (append(detokenizer.push(item.token))) {
        cut = true;
        endedByModel = false;
        break;
      }
      if (completionTokens >= options.maxTokens) {
        endedByModel = false;
        break;
      }
      emit(text.length - heldBack(text, options.stop));
    }
    if (options.signal?.aborted) throw abortError(options.signal);
    if (endedByModel) {
      // The end token was sampled like any other, so it counts (as llama.cpp's server and Ollama count it).
      completionTokens++;
      finishReason = 'stop';
    }
  }
  // A character whose bytes never completed is written as the whole sequence's detokenisation writes it.
  if (!cut) cut = append(detokenizer.flush());
  if (cut) finishReason = 'stop';
  emit(text.length);
  return { text, finishReason, completionTokens, ...(wantLogprobs && { logprobs }) };
}
