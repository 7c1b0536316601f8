// The in-process baseline of the LLM benchmark: node-llama-cpp driven directly in the benchmark's
// own process, with the context Moda builds (same context size per sequence, sequences, threads
// and batch size), each client one sequence evaluating greedily with the end tokens banned, and
// each token detokenized as a server would to stream it.
import { getLlama, resolveChatWrapper, TokenBias, type LlamaContext, type LlamaContextSequence, type LlamaModel, type Token } from 'node-llama-cpp';
import { setEndTokenBias } from '../../src/pipelines/llm/end-token-bias.js';

export interface InProcessModel {
  model: LlamaModel;
  /**
   * The prompt's tokens exactly as Moda's child makes them: the GGUF's chat template through the
   * same chat wrapper, BOS included where the model asks for it (a hand-written ChatML string
   * without BOS was one token shorter than what Moda evaluates, so less work on this side).
   */
  promptTokens(text: string): Token[];
  context(sequences: number): Promise<LlamaContext>;
  dispose(): Promise<void>;
}

export interface Generation {
  tokens: number;
  firstTokenMs: number;
}

export async function loadInProcess(path: string, options: { threads: number; contextSize: number }): Promise<InProcessModel> {
  const llama = await getLlama({ gpu: false, build: 'never' });
  const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
  const wrapper = resolveChatWrapper(model);
  return {
    model,
    promptTokens: (text) => {
      if (!wrapper) throw new Error(`${path}: node-llama-cpp finds no chat wrapper for its template`);
      return wrapper.generateContextState({ chatHistory: [{ type: 'user', text }, { type: 'model', response: [] }] }).contextText.tokenize(model.tokenizer);
    },
    context: (sequences) => model.createContext({ contextSize: options.contextSize, sequences, threads: options.threads, batchSize: Math.min(options.contextSize, 512) }),
    async dispose() {
      await model.dispose();
    },
  };
}

/** One client's answer: `maxTokens` tokens from `prompt` on `sequence`, which is cleared after. */
export async function generate(loaded: InProcessModel, sequence: LlamaContextSequence, prompt: Token[], maxTokens: number): Promise<Generation> {
  const bias = new TokenBias(loaded.model.tokenizer);
  // As Moda's clients ask with logit_bias: the synthetic vocabulary's </s> (2) and <|im_end|> (4).
  // TokenBias.set ignores end tokens; Moda honours logit_bias on them, and so must the baseline.
  for (const token of [2, 4] as Token[]) setEndTokenBias(bias, token, -Infinity);
  const started = performance.now();
  let firstTokenMs = 0;
  let tokens = 0;
  const previous: Token[] = [];
  for await (const token of sequence.evaluate(prompt, { temperature: 0, tokenBias: bias })) {
    const text = loaded.model.detokenize([token], false, previous);
    // The first token a reader sees, as a streaming client's first non-empty `content` is: a token
    // whose text is empty, or only part of a UTF-8 character, shows nothing yet.
    if (firstTokenMs === 0 && text.replaceAll('\uFFFD', '') !== '') firstTokenMs = performance.now() - started;
    previous.push(token);
    if (++tokens >= maxTokens) break;
  }
  await sequence.clearHistory();
  return { tokens, firstTokenMs };
}
