// POST /api/chat and /api/generate as Ollama serves them, over the same GGUF models and sequences
// as the OpenAI routes: NDJSON streamed by default (`"stream": false` for one object), Ollama's
// options (temperature, top_p, top_k, seed, num_predict, stop), `format` ("json" or a JSON Schema,
// by grammar), tools, durations in nanoseconds, and keep_alive per model as Ollama applies it.
import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import { parseDuration } from '../../config/config.js';
import type { ChatTurn, GenerateResult } from '../../pipelines/pipeline-implementation.js';
import type { InferenceService } from '../../serve/inference-service.js';
import type { ServedModel } from '../../serve/model-cache.js';
import { toModaError } from '../../server/error-reply.js';
import { clientGone } from '../moda/inference-routes.js';
import { parseToolCall, withTools, type ToolPlan } from '../openai/llm-tools.js';
import { planTools } from '../openai/llm-tools.js';
import { LLAMA_CPP_TYPE } from '../../pipelines/llm/resolve-gguf-variant.js';
import { firstTextGate } from '../llm-stream/first-text-gate.js';

export interface OllamaOptions {
  temperature?: number;
  top_p?: number;
  top_k?: number;
  seed?: number;
  num_predict?: number;
  stop?: string[];
}

export interface OllamaMessage {
  role: string;
  content?: string;
  tool_calls?: { function: { name: string; arguments: Record<string, unknown> } }[];
}

export interface OllamaChatBody {
  model?: unknown;
  messages?: unknown;
  prompt?: unknown;
  system?: unknown;
  stream?: unknown;
  format?: unknown;
  options?: unknown;
  keep_alive?: unknown;
  tools?: unknown;
}

function bad(message: string): ModaError {
  return new ModaError('VALIDATION_FAILED', message);
}

/** Ollama names: owner/name[:TAG]; `:latest` is the default variant, as in Ollama. */
export function modelIdOf(body: { model?: unknown }): string {
  if (typeof body.model !== 'string' || body.model === '') throw bad('model is required');
  return body.model.replace(/:latest$/, '');
}

/** keep_alive as Ollama reads it: a duration ("5m"), seconds as a number, negative = for ever; undefined when absent. */
export function keepAliveMs(raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw < 0 ? Number.POSITIVE_INFINITY : raw * 1000;
  if (typeof raw === 'string') {
    if (/^-/.test(raw)) return Number.POSITIVE_INFINITY;
    const ms = /^\d+$/.test(raw) ? Number(raw) * 1000 : parseDuration(raw);
    if (ms !== undefined) return ms;
  }
  throw bad('keep_alive must be a duration such as "5m", a number of seconds, or negative to keep the model loaded');
}

/** Ollama's options as generation parameters (Ollama's defaults: temperature 0.8, top_p 0.9, top_k 40). */
function parametersOf(body: OllamaChatBody): Record<string, unknown> {
  const options = (body.options ?? {}) as OllamaOptions;
  if (typeof options !== 'object') throw bad('options must be an object');
  const number = (name: keyof OllamaOptions) => {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) throw bad(`options.${name} must be a number`);
    return value as number | undefined;
  };
  const parameters: Record<string, unknown> = { temperature: number('temperature') ?? 0.8, top_p: number('top_p') ?? 0.9, top_k: number('top_k') ?? 40 };
  const seed = number('seed');
  if (seed !== undefined) parameters.seed = seed >>> 0;
  const predict = number('num_predict');
  if (predict !== undefined && predict > 0) parameters.max_new_tokens = Math.floor(predict);
  if (options.stop !== undefined) {
    if (!Array.isArray(options.stop) || options.stop.some((stop) => typeof stop !== 'string' || stop === '')) throw bad('options.stop must be a list of strings');
    parameters.stop = options.stop;
  }
  if (body.format === 'json') parameters.json_object = true;
  else if (typeof body.format === 'object' && body.format !== null) parameters.json_schema = body.format;
  else if (body.format !== undefined && body.format !== '') throw bad('format must be "json" or a JSON Schema object');
  return parameters;
}

function turnsOf(messages: unknown): ChatTurn[] {
  if (!Array.isArray(messages)) throw bad('messages must be a list');
  return (messages as OllamaMessage[]).map((message, index) => {
    if (typeof message !== 'object' || message === null || typeof message.role !== 'string') throw bad(`messages[${index}] needs a role`);
    const content = message.content ?? '';
    if (typeof content !== 'string') throw bad(`messages[${index}].content must be a string`);
    if (message.role === 'system' || message.role === 'user') return { role: message.role, content };
    if (message.role === 'assistant') return { role: 'assistant', content: [content, ...(message.tool_calls ?? []).map((call) => JSON.stringify({ name: call.function.name, arguments: call.function.arguments }))].filter((part) => part !== '').join('\n') };
    if (message.role === 'tool') return { role: 'user', content: `Result of function call: ${content}` };
    throw bad(`messages[${index}].role "${message.role}" is not system, user, assistant or tool`);
  });
}

async function generatorFor(inference: InferenceService, request: FastifyRequest, model: string): Promise<ServedModel & { model: { generate: NonNullable<ServedModel['model']['generate']> } }> {
  const served = await inference.load(request.actor, model, undefined, 'text-generation');
  if (!served.model.generate || served.model.type !== LLAMA_CPP_TYPE) throw new ModaError('TASK_MISMATCH', `${model} is not a GGUF text-generation model; the Ollama API serves GGUF models`);
  return served as ServedModel & { model: { generate: NonNullable<ServedModel['model']['generate']> } };
}

/** Applies keep_alive once the request is done: 0 unloads at once, anything else sets the model's idle time. */
function applyKeepAlive(inference: InferenceService, served: ServedModel, keepAlive: number | undefined): void {
  if (keepAlive === undefined) return;
  if (keepAlive === 0 && !served.pinned) void inference.models.unload(served);
  else served.keepAliveMs = keepAlive;
}

const NS = 1e6;

export async function ollamaGenerate(inference: InferenceService, request: FastifyRequest, reply: FastifyReply, kind: 'chat' | 'generate'): Promise<unknown> {
  const body = (request.body ?? {}) as OllamaChatBody;
  if (typeof body !== 'object') throw bad('the body must be a JSON object');
  const modelId = modelIdOf(body);
  const keepAlive = keepAliveMs(body.keep_alive);
  const stream = body.stream !== false;
  const started = performance.now();
  const loadedBefore = inference.models.list().length;
  const served = await generatorFor(inference, request, modelId);
  const loadNs = Math.round((inference.models.list().length > loadedBefore ? served.loadMs : 0) * NS);
  const created = () => new Date().toISOString();
  const name = body.model as string;

  // Ollama's load/unload calls: no prompt (or no messages) loads the model, with keep_alive 0 unloads it.
  const empty = kind === 'chat' ? !Array.isArray(body.messages) || body.messages.length === 0 : body.prompt === undefined || body.prompt === '';
  if (empty) {
    applyKeepAlive(inference, served, keepAlive);
    const doneReason = keepAlive === 0 ? 'unload' : 'load';
    const answer = kind === 'chat' ? { model: name, created_at: created(), message: { role: 'assistant', content: '' }, done_reason: doneReason, done: true } : { model: name, created_at: created(), response: '', done: true, done_reason: doneReason };
    return answer;
  }

  let prompt: string | ChatTurn[];
  let tools: ToolPlan | undefined;
  if (kind === 'chat') {
    prompt = turnsOf(body.messages);
    if (Array.isArray(body.tools) && body.tools.length > 0) {
      tools = planTools({ tools: body.tools, tool_choice: 'auto', messages: [], model: modelId });
      if (tools) prompt = withTools(prompt, tools);
    }
  } else {
    if (typeof body.prompt !== 'string') throw bad('prompt must be a string');
    const system = typeof body.system === 'string' && body.system !== '' ? body.system : undefined;
    // /api/generate applies the chat template to the prompt, as Ollama does (raw prompts are not supported).
    prompt = [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user', content: body.prompt }];
  }
  const parameters = parametersOf(body);
  const signal = clientGone(reply);
  let firstTokenAt: number | undefined;
  const piece = (text: string) => (kind === 'chat' ? { model: name, created_at: created(), message: { role: 'assistant', content: text }, done: false } : { model: name, created_at: created(), response: text, done: false });
  const last = (result: GenerateResult, text: string) => {
    const now = performance.now();
    const call = tools ? parseToolCall(result.text, tools) : undefined;
    const evalStart = firstTokenAt ?? now;
    const timing = {
      done_reason: result.finishReason,
      total_duration: Math.round((now - started) * NS),
      load_duration: loadNs,
      prompt_eval_count: result.promptTokens,
      prompt_eval_duration: Math.round((evalStart - started) * NS) - loadNs,
      eval_count: result.completionTokens,
      eval_duration: Math.round((now - evalStart) * NS),
    };
    const message = call ? { role: 'assistant', content: '', tool_calls: [{ function: { name: call.function.name, arguments: JSON.parse(call.function.arguments) as Record<string, unknown> } }] } : { role: 'assistant', content: text };
    return kind === 'chat' ? { model: name, created_at: created(), message, done: true, ...timing } : { model: name, created_at: created(), response: text, done: true, ...timing, context: [] };
  };

  if (!stream) {
    try {
      const result = await inference.models.generate(served, { prompt, parameters, signal, onText: () => (firstTokenAt ??= performance.now()) });
      return last(result, result.text);
    } finally {
      applyKeepAlive(inference, served, keepAlive);
    }
  }

  const lines = new PassThrough();
  const send = (payload: unknown) => {
    if (!lines.writableEnded && !lines.destroyed) lines.write(`${JSON.stringify(payload)}\n`);
  };
  // The response starts with the first text, so headers and that line leave in one write.
  const gate = firstTextGate();
  // A possible tool call is held back whole, as with the OpenAI routes.
  let held = '';
  const generation = inference.models.generate(served, {
    prompt,
    parameters,
    signal,
    onStart: () => gate.started(),
    onText: (text) => {
      firstTokenAt ??= performance.now();
      served.lastUsed = performance.now();
      if (tools) {
        held += text;
        if (held.trimStart() === '' || held.trimStart().startsWith('{')) return;
        text = held;
        held = '';
        tools = undefined;
      }
      send(piece(text));
      gate.text();
    },
  });
  generation.catch(() => undefined);
  await gate.until(generation);
  void generation.then(
    (result) => {
      const call = tools ? parseToolCall(result.text, tools) : undefined;
      if (!call && held !== '') send(piece(held));
      send(last(result, ''));
      lines.end();
    },
    (error: unknown) => {
      if (!signal.aborted) send({ error: toModaError(error).message });
      lines.end();
    },
  ).finally(() => applyKeepAlive(inference, served, keepAlive));
  reply.header('content-type', 'application/x-ndjson').header('cache-control', 'no-cache').header('x-accel-buffering', 'no');
  return reply.send(lines);
}
