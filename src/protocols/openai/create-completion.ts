// POST /v1/chat/completions and POST /v1/completions: one generation by a text-generation model,
// answered whole or streamed as server-sent events (`data: {chunk}` … `data: [DONE]`), with usage
// in tokens. Everything that can fail on the request (model, kind, body, prompt length) fails before
// the stream starts, so it gets a proper HTTP status; a failure after that becomes an error event.
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import type { ChatTurn, GenerateResult } from '../../pipelines/pipeline-implementation.js';
import type { InferenceService } from '../../serve/inference-service.js';
import type { ServedModel } from '../../serve/model-cache.js';
import { validateTaskInput } from '../../tasks/validate-task-input.js';
import { clientGone } from '../moda/inference-routes.js';
import { completeWithLlm } from './llm-completion.js';
import { llmChatJob, llmTextJob } from './llm-jobs.js';
import { modelErrorFor } from './openai-error.js';
import { openSseStream } from './sse-stream.js';
import { LLAMA_CPP_TYPE } from '../../pipelines/llm/resolve-gguf-variant.js';
import { ChatCompletionRequest, CompletionRequest, invalidParam, parseRequest, type ChatMessage } from './openai-requests.js';

/** OpenAI's default for the legacy completions endpoint, which vLLM keeps too. */
const DEFAULT_COMPLETION_TOKENS = 16;

type SharedFields = Pick<ChatCompletionRequest, 'temperature' | 'top_p' | 'top_k' | 'stop' | 'seed' | 'n' | 'frequency_penalty' | 'presence_penalty' | 'logit_bias'>;

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** What differs between the chat and the text endpoint: the prompt and how a piece of answer is wrapped. */
interface CompletionShape {
  object: 'chat.completion' | 'text_completion';
  chunkObject: 'chat.completion.chunk' | 'text_completion';
  idPrefix: string;
  /** The choice of a whole answer. */
  choice(text: string, finishReason: GenerateResult['finishReason']): Record<string, unknown>;
  /** The choice of a streamed piece: its first one (null text), a delta, or the last one with the finish reason. */
  chunkChoice(piece: { first: true } | { text: string } | { finishReason: GenerateResult['finishReason'] }): Record<string, unknown> | undefined;
}

/** OpenAI's sampling fields as text-generation parameters; temperature or top_p 0 means greedy, as OpenAI documents. */
function generationParameters(body: SharedFields, maxTokens: number | null | undefined): Record<string, unknown> {
  if (body.n != null && body.n !== 1) throw invalidParam('n', 'n must be 1: Moda generates one choice per request');
  if (body.frequency_penalty) throw invalidParam('frequency_penalty', 'frequency_penalty is not supported');
  if (body.presence_penalty) throw invalidParam('presence_penalty', 'presence_penalty is not supported');
  if (body.logit_bias && Object.keys(body.logit_bias).length > 0) throw invalidParam('logit_bias', 'logit_bias is not supported');
  const parameters: Record<string, unknown> = {};
  if (maxTokens != null) parameters.max_new_tokens = maxTokens;
  if (body.temperature === 0 || body.top_p === 0) parameters.do_sample = false;
  else if (body.temperature != null || body.top_p != null || body.top_k != null) {
    parameters.do_sample = true;
    if (body.temperature != null) parameters.temperature = body.temperature;
    if (body.top_p != null) parameters.top_p = body.top_p;
  }
  if (body.top_k != null) parameters.top_k = body.top_k;
  if (body.seed != null) parameters.seed = body.seed;
  const stop = typeof body.stop === 'string' ? [body.stop] : (body.stop ?? []);
  if (stop.length > 0) parameters.stop = stop;
  return parameters;
}

function chatTurns(messages: readonly ChatMessage[]): ChatTurn[] {
  return messages.map((message, index) => {
    const role = message.role === 'developer' ? 'system' : message.role;
    if (role !== 'system' && role !== 'user' && role !== 'assistant') {
      throw invalidParam(`messages[${index}].role`, `messages[${index}].role "${message.role}" is not supported; send system, developer, user or assistant messages (tools are not supported)`);
    }
    const content = message.content ?? '';
    if (typeof content === 'string') return { role, content };
    const texts = content.map((part, at) => {
      if (part.type !== 'text' || typeof part.text !== 'string') throw invalidParam(`messages[${index}].content[${at}]`, `messages[${index}].content[${at}] is a ${part.type} part; only text parts are supported`);
      return part.text;
    });
    return { role, content: texts.join('\n') };
  });
}

export async function generator(inference: InferenceService, request: FastifyRequest, model: string): Promise<ServedModel & { model: { generate: NonNullable<ServedModel['model']['generate']> } }> {
  let served: ServedModel;
  try {
    served = await inference.load(request.actor, model, undefined, 'text-generation');
  } catch (error) {
    throw modelErrorFor(error, model, 'a text-generation model');
  }
  if (!served.model.generate) throw new ModaError('TASK_MISMATCH', `${model} runs on ${served.model.type}, which cannot stream generated text`, { details: { param: 'model' } });
  return served as ServedModel & { model: { generate: NonNullable<ServedModel['model']['generate']> } };
}

async function complete(inference: InferenceService, request: FastifyRequest, reply: FastifyReply, job: { model: string; prompt: string | ChatTurn[]; parameters: Record<string, unknown>; stream: boolean; includeUsage: boolean; shape: CompletionShape }): Promise<unknown> {
  const served = await generator(inference, request, job.model);
  // The task schema bounds what the OpenAI schema leaves open (max_new_tokens, seed ≥ 0, message shape).
  const { parameters } = validateTaskInput('text-generation', [typeof job.prompt === 'string' ? job.prompt : { messages: job.prompt }], job.parameters);
  const { shape } = job;
  const signal = clientGone(reply);
  const base = { id: `${shape.idPrefix}-${randomUUID().replaceAll('-', '')}`, created: Math.floor(Date.now() / 1000), model: served.repo, system_fingerprint: `moda-${served.commit.slice(0, 12)}` };
  const usageOf = (result: GenerateResult): Usage => ({ prompt_tokens: result.promptTokens, completion_tokens: result.completionTokens, total_tokens: result.promptTokens + result.completionTokens });
  reply.header('x-model-commit', served.commit);

  if (!job.stream) {
    const result = await served.model.generate({ prompt: job.prompt, parameters, signal });
    return { ...base, object: shape.object, choices: [shape.choice(result.text, result.finishReason)], usage: usageOf(result) };
  }

  const stream = openSseStream(request, reply, signal);
  const send = stream.send;
  const chunk = (piece: Parameters<CompletionShape['chunkChoice']>[0]) => {
    const choice = shape.chunkChoice(piece);
    if (choice) send({ ...base, object: shape.chunkObject, choices: [choice], ...(job.includeUsage && { usage: null }) });
  };
  let started = () => {};
  const start = new Promise<void>((resolve) => (started = resolve));
  const generation = served.model.generate({
    prompt: job.prompt,
    parameters,
    signal,
    onStart: () => {
      chunk({ first: true });
      started();
    },
    onText: (text) => {
      served.lastUsed = performance.now();
      chunk({ text });
    },
  });
  generation.catch(() => undefined);
  await Promise.race([start, generation]);
  return stream.finish(generation, (result) => {
    chunk({ finishReason: result.finishReason });
    if (job.includeUsage) send({ ...base, object: shape.chunkObject, choices: [], usage: usageOf(result) });
  });
}

const CHAT_SHAPE: CompletionShape = {
  object: 'chat.completion',
  chunkObject: 'chat.completion.chunk',
  idPrefix: 'chatcmpl',
  choice: (text, finishReason) => ({ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: finishReason }),
  chunkChoice: (piece) => ({
    index: 0,
    delta: 'first' in piece ? { role: 'assistant', content: '' } : 'text' in piece ? { content: piece.text } : {},
    logprobs: null,
    finish_reason: 'finishReason' in piece ? piece.finishReason : null,
  }),
};

export async function createChatCompletion(inference: InferenceService, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const body = parseRequest(ChatCompletionRequest, request.body);
  const served = await generator(inference, request, body.model);
  if (served.model.type === LLAMA_CPP_TYPE) return completeWithLlm(request, reply, llmChatJob(served, body, (job) => inference.models.generate(served, job)));
  if (body.logprobs || body.top_logprobs) throw invalidParam(body.logprobs ? 'logprobs' : 'top_logprobs', 'logprobs are not supported');
  if (body.tools?.length || body.functions?.length) throw invalidParam(body.tools?.length ? 'tools' : 'functions', 'tool and function calling are not supported');
  if (body.response_format && body.response_format.type !== 'text') throw invalidParam('response_format', `response_format ${body.response_format.type} is not supported; only text`);
  return complete(inference, request, reply, {
    model: body.model,
    prompt: chatTurns(body.messages),
    parameters: generationParameters(body, body.max_completion_tokens ?? body.max_tokens),
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    shape: CHAT_SHAPE,
  });
}

function textShape(echo: string): CompletionShape {
  return {
    object: 'text_completion',
    chunkObject: 'text_completion',
    idPrefix: 'cmpl',
    choice: (text, finishReason) => ({ text: echo + text, index: 0, logprobs: null, finish_reason: finishReason }),
    chunkChoice: (piece) => {
      if ('first' in piece && echo === '') return undefined;
      return { text: 'first' in piece ? echo : 'text' in piece ? piece.text : '', index: 0, logprobs: null, finish_reason: 'finishReason' in piece ? piece.finishReason : null };
    },
  };
}

export async function createTextCompletion(inference: InferenceService, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const body = parseRequest(CompletionRequest, request.body);
  const prompts = typeof body.prompt === 'string' ? [body.prompt] : body.prompt;
  if (prompts.some((prompt) => typeof prompt !== 'string')) throw invalidParam('prompt', 'token arrays are not supported as prompt; send the text');
  if (prompts.length !== 1) throw invalidParam('prompt', 'send one prompt per request');
  const prompt = prompts[0] as string;
  if (body.suffix) throw invalidParam('suffix', 'suffix is not supported');
  if (body.best_of != null && body.best_of !== 1) throw invalidParam('best_of', 'best_of must be 1');
  const served = await generator(inference, request, body.model);
  if (served.model.type === LLAMA_CPP_TYPE) return completeWithLlm(request, reply, llmTextJob(served, body, prompt, (job) => inference.models.generate(served, job)));
  if (body.logprobs != null) throw invalidParam('logprobs', 'logprobs are not supported');
  return complete(inference, request, reply, {
    model: body.model,
    prompt,
    parameters: generationParameters(body, body.max_tokens ?? DEFAULT_COMPLETION_TOKENS),
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    shape: textShape(body.echo ? prompt : ''),
  });
}
