// GGUF models through llama.cpp (node-llama-cpp), in the model's child process. Text generation
// keeps one context with N sequences (continuous batching: each request takes a free sequence and
// its tokens join the next batch); feature extraction keeps an embedding context. Threads are
// always set: the library's default of 4 on 2 cores made generation ~100× slower (bench notes).
import { availableParallelism } from 'node:os';
import { getLlama, LlamaGrammarEvaluationState, resolveChatWrapper, type ChatHistoryItem, type ChatWrapper, type Llama, type LlamaContextSequence, type LlamaGrammar, TokenBias, type LlamaModel, type Token } from 'node-llama-cpp';
import { ModaError } from '../../errors/moda-error.js';
import { snapshotFile } from '../../runtime/model-snapshot.js';
import type { ChatTurn, GenerateRequest, GenerateResult, LoadedPipeline, PipelineImplementation } from '../pipeline-implementation.js';
import { setEndTokenBias } from './end-token-bias.js';
import { generateTokens, type Sampling } from './generate-tokens.js';
import { ggufShape, kvCacheBytes } from './gguf-shape.js';
import { readGgufMetadata } from './read-gguf-metadata.js';
import { LLAMA_CPP_TYPE } from './resolve-gguf-variant.js';
import { abortError, SequencePool } from './sequence-pool.js';

let llamaOnce: Promise<Llama> | undefined;

/** The prebuilt binary, never a build (no compiler or network at run time); CUDA where asked and present. */
function llamaFor(device: 'cpu' | 'cuda'): Promise<Llama> {
  llamaOnce ??= getLlama({ gpu: device === 'cuda' ? 'auto' : false, build: 'never', logLevel: 'error' as never, progressLogs: false });
  return llamaOnce;
}

function numberParameter(parameters: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const value = parameters[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Sampling from the text-generation parameters: do_sample false or temperature 0 is greedy. */
function samplingOf(parameters: Readonly<Record<string, unknown>>): Sampling {
  const temperature = parameters.do_sample === false ? 0 : (numberParameter(parameters, 'temperature') ?? (parameters.do_sample === true ? 1 : 0));
  const topP = numberParameter(parameters, 'top_p');
  const topK = numberParameter(parameters, 'top_k');
  const seed = numberParameter(parameters, 'seed');
  return { temperature, ...(topP !== undefined && { topP }), ...(topK !== undefined && { topK }), ...(seed !== undefined && { seed }) };
}

function chatHistory(turns: readonly ChatTurn[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = turns.map((turn) => (turn.role === 'system' ? { type: 'system', text: turn.content } : turn.role === 'user' ? { type: 'user', text: turn.content } : { type: 'model', response: [turn.content] }));
  history.push({ type: 'model', response: [] });
  return history;
}

/**
 * The model's chat wrapper, resolved once: resolveChatWrapper compares a Jinja template with the
 * wrappers it knows by rendering test chats through each, which took 2–3 s per call on the loaded
 * 2-core machine (`npm run bench -- llm` measured it as time to first token of every request).
 */
function chatWrapperOnce(model: LlamaModel): () => ChatWrapper | null {
  let resolved: ChatWrapper | null | undefined;
  return () => (resolved === undefined ? (resolved = resolveChatWrapper(model)) : resolved);
}

/** Prompt tokens: a chat through the GGUF's own template (Jinja included), a text with BOS where the model wants one. */
function promptTokens(model: LlamaModel, prompt: string | readonly ChatTurn[], chatWrapper: () => ChatWrapper | null): Token[] {
  if (typeof prompt === 'string') {
    const tokens = model.tokenize(prompt);
    return model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? [model.tokens.bos, ...tokens] : tokens;
  }
  const wrapper = chatWrapper();
  if (!wrapper) throw new ModaError('MODEL_INFERENCE_FAILED', 'the model has no chat template Moda can apply');
  return wrapper.generateContextState({ chatHistory: chatHistory(prompt) }).contextText.tokenize(model.tokenizer);
}

/** OpenAI's logit_bias (token id → -100…100, -100 = never) as llama.cpp token biases. */
function tokenBiasOf(model: LlamaModel, vocabularySize: number, parameters: Readonly<Record<string, unknown>>): TokenBias | undefined {
  const raw = parameters.logit_bias;
  if (typeof raw !== 'object' || raw === null) return undefined;
  const bias = TokenBias.for(model);
  for (const [id, value] of Object.entries(raw as Record<string, unknown>)) {
    const token = Number(id);
    if (!Number.isInteger(token) || token < 0 || token >= vocabularySize || typeof value !== 'number') {
      throw new ModaError('VALIDATION_FAILED', `logit_bias: ${id} is not a token id of this model's ${vocabularySize}`, { details: { param: 'logit_bias' } });
    }
    const logit = value <= -100 ? -Infinity : value;
    if (model.isEogToken(token as Token)) setEndTokenBias(bias, token as Token, logit);
    else bias.set(token as Token, value <= -100 ? 'never' : { logit });
  }
  return bias;
}

/** The grammar a JSON mode or JSON Schema asks for; a schema llama.cpp cannot turn into one is the client's error. */
async function grammarOf(llama: Llama, parameters: Readonly<Record<string, unknown>>): Promise<LlamaGrammar | undefined> {
  const schema = parameters.json_schema;
  if (typeof schema === 'object' && schema !== null) {
    try {
      return await llama.createGrammarForJsonSchema(schema as never);
    } catch (error) {
      throw new ModaError('VALIDATION_FAILED', `the JSON Schema cannot be turned into a grammar: ${error instanceof Error ? error.message : String(error)}`, { details: { param: 'response_format' } });
    }
  }
  return parameters.json_object === true ? llama.getGrammarFor('json') : undefined;
}

async function loadTextGeneration(llama: Llama, model: LlamaModel, options: { sequences: number; contextSize: number; maxQueue: number; threads: number; kvBytes: number; vocabularySize: number }, repo: string): Promise<LoadedPipeline> {
  const context = await model.createContext({ contextSize: options.contextSize, sequences: options.sequences, threads: options.threads, batchSize: Math.min(options.contextSize, 512) });
  const sequences: LlamaContextSequence[] = Array.from({ length: options.sequences }, () => context.getSequence());
  const pool = new SequencePool(sequences, options.maxQueue, (sequence) => sequence.clearHistory());
  const chatWrapper = chatWrapperOnce(model);

  const generate = async (request: GenerateRequest): Promise<GenerateResult> => {
    const { parameters, signal } = request;
    const prompt = promptTokens(model, request.prompt, chatWrapper);
    const asked = numberParameter(parameters, 'max_new_tokens');
    const room = options.contextSize - prompt.length;
    if (room <= 0 || (asked !== undefined && asked > room)) {
      const wanted = asked === undefined ? '' : ` and ${asked} more to generate`;
      throw new ModaError('INPUT_TOO_LONG', `the prompt takes ${prompt.length} tokens${wanted}, more than the ${options.contextSize}-token context of each sequence of ${repo} (MODA_LLM_CONTEXT)`, { details: { param: 'messages', contextSize: options.contextSize, promptTokens: prompt.length } });
    }
    const grammar = await grammarOf(llama, parameters);
    const stop = Array.isArray(parameters.stop) ? parameters.stop.filter((item): item is string => typeof item === 'string') : [];
    const topLogprobs = parameters.logprobs === true ? Math.min(20, Math.max(0, numberParameter(parameters, 'top_logprobs') ?? 0)) : undefined;
    const tokenBias = tokenBiasOf(model, options.vocabularySize, parameters);
    const sequence = await pool.acquire(signal);
    try {
      if (signal?.aborted) throw abortError(signal);
      request.onStart?.(prompt.length);
      const generated = await generateTokens(model, sequence, prompt, {
        maxTokens: asked ?? room,
        sampling: samplingOf(parameters),
        stop,
        ...(grammar && { grammar: new LlamaGrammarEvaluationState({ model, grammar }), stopWhenJsonComplete: true }),
        ...(topLogprobs !== undefined && { topLogprobs }),
        ...(tokenBias && { tokenBias }),
        ...(signal && { signal }),
        ...(request.onText && { onText: request.onText }),
      });
      return { ...generated, promptTokens: prompt.length };
    } finally {
      await pool.release(sequence);
    }
  };

  return {
    task: 'text-generation',
    type: LLAMA_CPP_TYPE,
    engine: 'llama.cpp',
    memoryBytes: model.size + options.kvBytes * options.sequences,
    interruptible: true,
    generate,
    async run(inputs, parameters, runContext) {
      // The native route: every input its own sequence, all generating together.
      return Promise.all(
        inputs.map(async (input) => {
          const prompt = typeof input === 'string' ? input : (input as { messages: ChatTurn[] }).messages;
          const result = await generate({ prompt, parameters, ...(runContext.signal && { signal: runContext.signal }) });
          return { generated_text: result.text };
        }),
      );
    },
    async countTokens(texts) {
      return texts.map((text) => promptTokens(model, text, chatWrapper).length);
    },
    async dispose() {
      await context.dispose();
      await model.dispose();
    },
  };
}

async function loadFeatureExtraction(model: LlamaModel, options: { contextSize: number; threads: number; kvBytes: number }): Promise<LoadedPipeline> {
  const context = await model.createEmbeddingContext({ contextSize: options.contextSize, threads: options.threads });
  // One embedding context evaluates one text at a time; calls wait their turn.
  let queue: Promise<unknown> = Promise.resolve();
  const embed = (text: string): Promise<readonly number[]> => {
    const next = queue.then(async () => {
      const tokens = model.tokenize(text);
      if (tokens.length >= options.contextSize) throw new ModaError('INPUT_TOO_LONG', `a text of ${tokens.length} tokens does not fit the ${options.contextSize}-token context`);
      return (await context.getEmbeddingFor(text)).vector;
    });
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    task: 'feature-extraction',
    type: LLAMA_CPP_TYPE,
    engine: 'llama.cpp',
    memoryBytes: model.size + options.kvBytes,
    async run(inputs, parameters) {
      const outputs: unknown[] = [];
      for (const input of inputs) {
        const vector = [...(await embed(String(input)))];
        if (parameters.normalize === true) {
          const norm = Math.hypot(...vector) || 1;
          for (let index = 0; index < vector.length; index++) vector[index] = (vector[index] ?? 0) / norm;
        }
        outputs.push({ embedding: vector });
      }
      return outputs;
    },
    async countTokens(texts) {
      return texts.map((text) => model.tokenize(text).length);
    },
    async dispose() {
      await context.dispose();
      await model.dispose();
    },
  };
}

export const llamaCppPipeline: PipelineImplementation = {
  type: LLAMA_CPP_TYPE,
  tasks: ['text-generation', 'feature-extraction'],
  engine: 'llama.cpp',
  async load(snapshot, options) {
    const variant = snapshot.gguf;
    if (!variant) throw new ModaError('MODEL_NOT_RUNNABLE', `${snapshot.repo} holds no GGUF model`);
    const path = await snapshotFile(snapshot, variant.file);
    // Checked again here, on the bytes that load: llama.cpp aborts its process on some malformed files.
    const shape = ggufShape(await readGgufMetadata(path, variant.file), variant.file);
    const llm = options.llm ?? { sequences: 1, contextSize: Math.min(shape.contextLength, 2048), maxQueue: 16 };
    const contextSize = Math.min(llm.contextSize, shape.contextLength);
    const threads = options.threads > 0 ? options.threads : availableParallelism();
    const llama = await llamaFor(options.device);
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: path, gpuLayers: options.device === 'cuda' ? 'auto' : 0 });
    } catch (error) {
      throw new ModaError('MODEL_LOAD_FAILED', `${variant.file}: llama.cpp could not load it: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const kvBytes = kvCacheBytes(shape, contextSize);
    if (options.task === 'feature-extraction') return loadFeatureExtraction(model, { contextSize, threads, kvBytes });
    return loadTextGeneration(llama, model, { ...llm, contextSize, threads, kvBytes, vocabularySize: shape.vocabularySize }, snapshot.repo);
  },
};
