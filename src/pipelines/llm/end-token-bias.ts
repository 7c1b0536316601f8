// A logit bias on an end-of-generation token, which node-llama-cpp's TokenBias.set ignores.
import type { Token, TokenBias } from 'node-llama-cpp';
import { ModaError } from '../../errors/moda-error.js';

/**
 * TokenBias.set drops biases on end-of-generation tokens without a word, while llama.cpp's sampler
 * applies a bias to any token and OpenAI honours logit_bias on end tokens (-100 = answer to the
 * limit). The entry goes into TokenBias's map directly (node-llama-cpp is pinned at 3.21.1; a
 * release without that map fails here loudly, and test/llm-openai's full-length answers with it).
 */
export function setEndTokenBias(bias: TokenBias, token: Token, logit: number): void {
  const biases = (bias as unknown as { _biases?: unknown })._biases;
  if (!(biases instanceof Map)) throw new ModaError('MODEL_INFERENCE_FAILED', 'this node-llama-cpp cannot bias end-of-generation tokens (logit_bias)');
  (biases as Map<Token, number>).set(token, logit);
}
