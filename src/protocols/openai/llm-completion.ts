// Chat and text completions of GGUF models (llama.cpp): everything the OpenAI API offers that a
// local model can honour — n choices generating together on separate sequences, sampling and
// seeds, stop strings, JSON mode and JSON Schema by grammar (the output always parses), tools,
// logprobs, streamed chunks with usage last — answered whole or as server-sent events.
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChatTurn, GenerateResult, TokenLogprob } from '../../pipelines/pipeline-implementation.js';
import type { ServedModel } from '../../serve/model-cache.js';
import { clientGone } from '../moda/inference-routes.js';
import { parseToolCall, type ToolCall, type ToolPlan } from './llm-tools.js';
import { openSseStream } from './sse-stream.js';
import { invalidParam } from './openai-requests.js';
import { firstTextGate } from '../llm-stream/first-text-gate.js';

export const MAX_CHOICES = 4;

type Generator = NonNullable<ServedModel['model']['generate']>;

export interface LlmJob {
  served: ServedModel;
  generate: Generator;
  kind: 'chat' | 'text';
  prompt: string | ChatTurn[];
  parameters: Record<string, unknown>;
  n: number;
  stream: boolean;
  includeUsage: boolean;
  /** Text completions: the prompt, repeated before the answer. */
  echo?: string;
  tools?: ToolPlan;
  /** Chat: logprobs in `choices[].logprobs.content`; text: the legacy arrays. */
  logprobs: boolean;
}

/** OpenAI's sampling fields as llama.cpp generation parameters (OpenAI's defaults: temperature 1, top_p 1). */
export function llmParameters(body: { temperature?: number | null; top_p?: number | null; top_k?: number | null; seed?: number | null; stop?: string | string[] | null; n?: number | null; frequency_penalty?: number | null; presence_penalty?: number | null; logit_bias?: Record<string, number> | null }, maxTokens: number | null | undefined): Record<string, unknown> {
  if (body.n != null && body.n > MAX_CHOICES) throw invalidParam('n', `n must be from 1 to ${MAX_CHOICES}`);
  if (body.frequency_penalty) throw invalidParam('frequency_penalty', 'frequency_penalty is not supported');
  if (body.presence_penalty) throw invalidParam('presence_penalty', 'presence_penalty is not supported');
  const bias = Object.entries(body.logit_bias ?? {});
  for (const [token, value] of bias) {
    if (!/^\d{1,9}$/.test(token) || value < -100 || value > 100) throw invalidParam('logit_bias', 'logit_bias maps token ids to biases from -100 (never) to 100');
  }
  const greedy = body.temperature === 0 || body.top_p === 0;
  const parameters: Record<string, unknown> = { temperature: greedy ? 0 : (body.temperature ?? 1) };
  if (maxTokens != null) parameters.max_new_tokens = maxTokens;
  if (!greedy && body.top_p != null && body.top_p < 1) parameters.top_p = body.top_p;
  if (body.top_k != null) parameters.top_k = body.top_k;
  if (body.seed != null) parameters.seed = body.seed >>> 0;
  const stop = typeof body.stop === 'string' ? [body.stop] : (body.stop ?? []);
  if (stop.length > 0) parameters.stop = stop;
  if (bias.length > 0) parameters.logit_bias = Object.fromEntries(bias);
  return parameters;
}

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

function usageOf(results: readonly GenerateResult[]): Usage {
  // The prompt is read once whatever n is, as OpenAI bills it.
  const prompt = results[0]?.promptTokens ?? 0;
  const completion = results.reduce((total, result) => total + result.completionTokens, 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** The legacy completions' logprobs: parallel arrays of tokens, their logprobs, alternatives and offsets. */
function textLogprobs(entries: readonly TokenLogprob[], offset: number): Record<string, unknown> {
  const textOffset: number[] = [];
  let at = offset;
  for (const entry of entries) {
    textOffset.push(at);
    at += entry.token.length;
  }
  return {
    tokens: entries.map((entry) => entry.token),
    token_logprobs: entries.map((entry) => entry.logprob),
    top_logprobs: entries.map((entry) => Object.fromEntries(entry.top_logprobs.map((top) => [top.token, top.logprob]))),
    text_offset: textOffset,
  };
}

/** The answer of one choice: text or a tool call, and why it ended. */
function outcome(tools: ToolPlan | undefined, result: GenerateResult): { text: string; call?: ToolCall; finishReason: string } {
  const call = tools ? parseToolCall(result.text, tools) : undefined;
  if (call && result.finishReason === 'stop') return { text: '', call, finishReason: 'tool_calls' };
  return { text: result.text, finishReason: result.finishReason };
}

function wholeChoice(job: LlmJob, index: number, result: GenerateResult): Record<string, unknown> {
  const { text, call, finishReason } = outcome(job.tools, result);
  if (job.kind === 'text') {
    const echo = job.echo ?? '';
    return { text: echo + text, index, logprobs: job.logprobs ? textLogprobs(result.logprobs ?? [], echo.length) : null, finish_reason: finishReason };
  }
  return {
    index,
    message: { role: 'assistant', content: call ? null : text, refusal: null, ...(call && { tool_calls: [call] }) },
    logprobs: job.logprobs ? { content: result.logprobs ?? [], refusal: null } : null,
    finish_reason: finishReason,
  };
}

export async function completeWithLlm(request: FastifyRequest, reply: FastifyReply, job: LlmJob): Promise<unknown> {
  const { served, kind } = job;
  const signal = clientGone(reply);
  const chunkObject = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
  const base = { id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replaceAll('-', '')}`, created: Math.floor(Date.now() / 1000), model: served.repo, system_fingerprint: `moda-${served.commit.slice(0, 12)}` };
  reply.header('x-model-commit', served.commit);
  /** Choice i samples with seed + i, so n choices differ and each is reproducible. */
  const parametersOf = (index: number) => (typeof job.parameters.seed === 'number' ? { ...job.parameters, seed: (job.parameters.seed + index) >>> 0 } : job.parameters);
  const run = (index: number, handlers: { onStart?: (promptTokens: number) => void; onText?: (delta: string, logprobs?: readonly TokenLogprob[]) => void } = {}) =>
    job.generate({ prompt: job.prompt, parameters: parametersOf(index), signal, ...handlers }).then((result) => {
      served.lastUsed = performance.now();
      return result;
    });

  if (!job.stream) {
    const results = await Promise.all(Array.from({ length: job.n }, (_, index) => run(index)));
    return { ...base, object: kind === 'chat' ? 'chat.completion' : 'text_completion', choices: results.map((result, index) => wholeChoice(job, index, result)), usage: usageOf(results) };
  }

  const stream = openSseStream(request, reply, signal);
  const send = stream.send;
  // Every chunk repeats the same id, times and model: serialised once, so a token costs the JSON of its choice alone.
  const chunkHead = `data: ${JSON.stringify({ ...base, object: chunkObject }).slice(0, -1)},"choices":[`;
  const chunkTail = job.includeUsage ? '],"usage":null}\n\n' : ']}\n\n';
  const chunk = (choice: Record<string, unknown>) => stream.sendEvent(chunkHead + JSON.stringify(choice) + chunkTail);
  // The response starts with the first text: headers, the role chunk and that text leave in one write.
  const gate = firstTextGate();
  const textChunk = (index: number, text: string, logprobs: readonly TokenLogprob[] | undefined, offset: number, finishReason: string | null) => {
    if (kind === 'text') chunk({ text, index, logprobs: job.logprobs && logprobs ? textLogprobs(logprobs, offset) : null, finish_reason: finishReason });
    else chunk({ index, delta: text === '' && finishReason !== null ? {} : { content: text }, logprobs: job.logprobs && logprobs ? { content: logprobs, refusal: null } : null, finish_reason: finishReason });
    gate.text();
  };
  const generations = Array.from({ length: job.n }, (_, index) => {
    let offset = job.echo?.length ?? 0;
    // A tool call streams whole once it is complete: forced calls always, `auto` answers that open with '{'.
    let held = '';
    let heldLogprobs: TokenLogprob[] = [];
    let tools = job.tools;
    const holding = () => tools !== undefined && (tools.mode === 'force' || held.trimStart().startsWith('{') || (held.trim() === '' && offset === 0));
    return run(index, {
      onStart: () => {
        if (kind === 'chat') chunk({ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null });
        else if (job.echo) textChunk(index, job.echo, undefined, 0, null);
        gate.started();
      },
      onText: (delta, logprobs) => {
        if (tools) {
          held += delta;
          heldLogprobs.push(...(logprobs ?? []));
          if (holding()) return;
          delta = held;
          logprobs = heldLogprobs;
          held = '';
          heldLogprobs = [];
          // Past this point the answer is text: nothing more is held.
          tools = undefined;
        }
        textChunk(index, delta, logprobs, offset, null);
        offset += delta.length;
      },
    }).then((result) => {
      const { call, finishReason } = outcome(tools, result);
      if (call) chunk({ index, delta: { tool_calls: [{ index: 0, ...call }] }, logprobs: null, finish_reason: null });
      else if (held !== '') textChunk(index, held, heldLogprobs, offset, null);
      textChunk(index, '', undefined, offset, finishReason);
      return result;
    });
  });
  const all = Promise.all(generations);
  all.catch(() => undefined);
  // A failure before any text (a full queue, a prompt too long) is still an HTTP error, not an event.
  await gate.until(all);
  return stream.finish(all, (results) => {
    if (job.includeUsage) send({ ...base, object: chunkObject, choices: [], usage: usageOf(results) });
  });
}
