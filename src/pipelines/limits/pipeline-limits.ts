// Limits every pipeline enforces on what a model file controls: how much it may declare, return
// and compute per request. The server, not the model's configuration, sets them; a caller of
// `load` may lower or raise them through LoadOptions.limits, else these defaults hold.
export interface PipelineLimits {
  /** Labels one input gets back: the default and the most a request's top_k may ask for. */
  maxLabels: number;
  /** Classes a model may declare (config.json id2label); more is refused at load. */
  maxModelClasses: number;
  /** Bytes of JSON one input's output may take; more fails that request. */
  maxOutputBytes: number;
  /** New tokens one generation may produce, whatever generation_config.json says. */
  maxNewTokens: number;
  /** Wall-clock time one chat template rendering (or one prompt's tokenization) may take. */
  chatTemplateTimeoutMs: number;
  /** Items all `range()` calls of one template rendering may produce together. */
  chatTemplateRangeItems: number;
  /** Characters a rendered chat template may hold. */
  chatTemplateOutputChars: number;
  /** Bytes of tokenizer.json (and of any vocabulary file) read before parsing. */
  maxTokenizerBytes: number;
  /** Entries of a tokenizer's vocabulary, merges or added tokens. */
  maxVocabularyEntries: number;
  /** Candidate boxes kept (the highest scores) before non-maximum suppression. */
  maxBoxesBeforeSuppression: number;
  /** Address space (RLIMIT_AS) of one external program run (tesseract, espeak-ng). */
  externalMemoryBytes: number;
  /** Wall-clock time of one external program run; its CPU time (RLIMIT_CPU) is capped to the same. */
  externalTimeoutMs: number;
  /** External program processes one batch runs at once. */
  externalProcesses: number;
}

export const DEFAULT_PIPELINE_LIMITS: Readonly<PipelineLimits> = Object.freeze({
  maxLabels: 1000,
  // ImageNet-21k heads declare 21 843; a few hundred thousand classes is already far past real heads.
  maxModelClasses: 250_000,
  maxOutputBytes: 16 * 1024 * 1024,
  // The task schema's own ceiling for max_new_tokens.
  maxNewTokens: 32_768,
  // Real templates render in milliseconds; the margin is for a loaded machine and first-call compilation.
  chatTemplateTimeoutMs: 3000,
  chatTemplateRangeItems: 100_000,
  chatTemplateOutputChars: 4 * 1024 * 1024,
  // Gemma 3's tokenizer.json is 33 MB with 262 144 tokens and 514 906 merges.
  maxTokenizerBytes: 64 * 1024 * 1024,
  maxVocabularyEntries: 2_000_000,
  // As detectors do (Faster R-CNN keeps 1000–6000 proposals before NMS).
  maxBoxesBeforeSuppression: 5000,
  // tesseract with chi_sim peaks near 400 MB of address space; espeak-ng under 100 MB.
  externalMemoryBytes: 2 * 1024 ** 3,
  externalTimeoutMs: 120_000,
  externalProcesses: 8,
});

export function pipelineLimits(overrides: Partial<PipelineLimits> = {}): PipelineLimits {
  return { ...DEFAULT_PIPELINE_LIMITS, ...Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)) };
}
