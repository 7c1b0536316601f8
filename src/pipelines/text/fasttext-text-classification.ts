// Text classification with a supervised fastText model trained by a Moda `tune` job (or any fastText
// classifier whose labels are `__label__<index>` or names): the text is tokenised exactly as in
// training (tokenize-for-fasttext.ts), classes are mapped back to their names from configuration.json.
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
import { FASTTEXT_TOKENIZER, fastTextLine } from './tokenize-for-fasttext.js';

const MAX_MODEL_BYTES = 1024 ** 3;
const LABEL_PREFIX = '__label__';

export const fastTextTextClassificationPipeline: PipelineImplementation = {
  type: 'fasttext-text-classification',
  tasks: ['text-classification'],
  engine: 'fasttext',
  async load(snapshot, options) {
    const settings = configurationSettings(snapshot.configuration?.model, 'configuration.json model');
    const file = await snapshotFile(snapshot, settings.string('file', 'model.bin'), { maxBytes: MAX_MODEL_BYTES });
    const tokenizer = settings.string('tokenizer', FASTTEXT_TOKENIZER);
    if (tokenizer !== FASTTEXT_TOKENIZER) throw new ModaError('MODEL_FILE_INVALID', `configuration.json model.tokenizer "${tokenizer.slice(0, 100)}" is not one this server knows (${FASTTEXT_TOKENIZER})`);
    const defaultTopK = settings.number('top_k', 5, { min: 1, max: 100_000, integer: true });
    const maxCharacters = settings.number('max_characters', 100_000, { min: 16, max: 10_000_000, integer: true });
    const rawLabels = settings.raw('labels');
    if (rawLabels !== undefined && (!Array.isArray(rawLabels) || !rawLabels.every((label) => typeof label === 'string'))) throw new ModaError('MODEL_FILE_INVALID', 'configuration.json model.labels must be a list of class names');
    const names = (rawLabels as string[] | undefined) ?? [];
    const { maxLabels } = pipelineLimits(options.limits);
    const bytes = await readFile(file);
    const info = checkFastTextModel(bytes);
    if (!isSupervised(info)) throw new ModaError('MODEL_FILE_INVALID', `${file.split('/').pop()} is a fastText word-vector model, not a classifier`);
    if (names.length > 0 && names.length < info.labels) throw new ModaError('MODEL_FILE_INVALID', `the model has ${info.labels} classes but configuration.json names ${names.length}`);
    let fastText: FastText;
    try {
      fastText = await FastText.create();
      fastText.loadModel(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (error) {
      throw new ModaError('MODEL_LOAD_FAILED', `fastText could not load the model: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    let model: FastText | undefined = fastText;
    const nameOf = (label: string): string => {
      const bare = label.startsWith(LABEL_PREFIX) ? label.slice(LABEL_PREFIX.length) : label;
      return /^\d+$/.test(bare) && names[Number(bare)] !== undefined ? (names[Number(bare)] as string) : bare;
    };

    return {
      task: options.task,
      type: fastTextTextClassificationPipeline.type,
      engine: 'fasttext',
      memoryBytes: fastText.core.HEAP8.byteLength,
      async run(inputs, parameters) {
        if (!model) throw new ModaError('MODEL_INFERENCE_FAILED', 'the model was disposed');
        const topK = Math.min(typeof parameters.top_k === 'number' ? parameters.top_k : defaultTopK, info.labels, maxLabels);
        return inputs.map((input) => {
          if (typeof input !== 'string') throw new ModaError('TASK_INPUT_INVALID', 'text classification takes a text');
          if (input.length > maxCharacters) throw new ModaError('INPUT_TOO_LONG', `the text has ${input.length} characters, more than the ${maxCharacters} allowed`);
          const line = fastTextLine(input);
          let predictions: Map<string, number>;
          try {
            predictions = timeEngineSync(() => model!.predict(line, topK, 0));
          } catch (error) {
            throw new ModaError('MODEL_INFERENCE_FAILED', `fastText failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
          }
          const scores: LabelScore[] = [];
          // fastText adds 1e-5 before its softmax's log, so a sure answer can read 1.00004.
          for (const [label, score] of predictions) scores.push({ label: nameOf(label), score: Math.min(1, Math.max(0, score)) });
          return scores.sort((a, b) => b.score - a.score);
        });
      },
      async dispose() {
        model = undefined;
      },
    };
  },
};
