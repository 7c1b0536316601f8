// One LLM point per GGUF model from two consecutive /metrics scrapes: tokens generated per second
// over the interval (`moda_llm_tokens_total`, completion tokens of finished generations) and the
// sequences generating at the later scrape (`moda_llm_sequences_in_use`).
import { sumSamples } from '../../../src/client/prometheus-text.js';
import type { TimedScrape } from './deployment-metrics.js';

export const LLM_TOKENS = 'moda_llm_tokens_total';
export const LLM_SEQUENCES_IN_USE = 'moda_llm_sequences_in_use';

export interface LlmPoint {
  at: number;
  /** Completion tokens per second; null when the counter went backwards (server restart). */
  tokensPerSecond: number | null;
  /** Sequences generating now; null when the model is not loaded (no sample). */
  sequencesInUse: number | null;
}

export function llmPoint(before: TimedScrape, after: TimedScrape, model: string): LlmPoint {
  const seconds = Math.max((after.at - before.at) / 1000, 1e-3);
  const match = { model, kind: 'completion' };
  const tokens = sumSamples(after.scrape, LLM_TOKENS, match) - sumSamples(before.scrape, LLM_TOKENS, match);
  const loaded = after.scrape.samples.some((sample) => sample.name === LLM_SEQUENCES_IN_USE && sample.labels.model === model);
  return {
    at: after.at,
    tokensPerSecond: tokens < 0 ? null : tokens / seconds,
    sequencesInUse: loaded ? sumSamples(after.scrape, LLM_SEQUENCES_IN_USE, { model }) : null,
  };
}
