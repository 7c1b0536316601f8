// Text classification with a supervised fastText model trained by a Moda `tune` job (or any fastText
// classifier whose labels are `__label__<index>` or names): the text is tokenised exactly as in
// training (tokenize-for-fasttext.ts), classes are mapped back to their names from configuration.json.
import { ModaError } from '../../errors/moda-error.js';
import { pipelineLimits } from '../limits/pipeline-limits.js';
import type { PipelineImplementation } from '../pipeline-implementation.js';
import { configurationSettings } from './configuration-settings.js';
import { loadFastTextClassifier } from './load-fasttext-classifier.js';
import { FASTTEXT_TOKENIZER, fastTextLine } from './tokenize-for-fasttext.js';

export const fastTextTextClassificationPipeline: PipelineImplementation = {
  type: 'fasttext-text-classification',
  tasks: ['text-classification'],
  engine: 'fasttext',
  async load(snapshot, options) {
    const settings = configurationSettings(snapshot.configuration?.model, 'configuration.json model');
    const tokenizer = settings.string('tokenizer', FASTTEXT_TOKENIZER);
    if (tokenizer !== FASTTEXT_TOKENIZER) throw new ModaError('MODEL_FILE_INVALID', `configuration.json model.tokenizer "${tokenizer.slice(0, 100)}" is not one this server knows (${FASTTEXT_TOKENIZER})`);
    const defaultTopK = settings.number('top_k', 5, { min: 1, max: 100_000, integer: true });
    const maxCharacters = settings.number('max_characters', 100_000, { min: 16, max: 10_000_000, integer: true });
    const rawLabels = settings.raw('labels');
    if (rawLabels !== undefined && (!Array.isArray(rawLabels) || !rawLabels.every((label) => typeof label === 'string'))) throw new ModaError('MODEL_FILE_INVALID', 'configuration.json model.labels must be a list of class names');
    const names = (rawLabels as string[] | undefined) ?? [];
    const { maxLabels } = pipelineLimits(options.limits);
    const classifier = await loadFastTextClassifier(snapshot, settings, 'model.bin');
    if (names.length > 0 && names.length < classifier.labels) throw new ModaError('MODEL_FILE_INVALID', `the model has ${classifier.labels} classes but configuration.json names ${names.length}`);
    const nameOf = (label: string): string => (/^\d+$/.test(label) && names[Number(label)] !== undefined ? (names[Number(label)] as string) : label);

    return {
      task: options.task,
      type: fastTextTextClassificationPipeline.type,
      engine: 'fasttext',
      memoryBytes: classifier.memoryBytes,
      async run(inputs, parameters) {
        const topK = Math.min(typeof parameters.top_k === 'number' ? parameters.top_k : defaultTopK, classifier.labels, maxLabels);
        return inputs.map((input) => {
          if (typeof input !== 'string') throw new ModaError('TASK_INPUT_INVALID', 'text classification takes a text');
          if (input.length > maxCharacters) throw new ModaError('INPUT_TOO_LONG', `the text has ${input.length} characters, more than the ${maxCharacters} allowed`);
          return classifier.predict(fastTextLine(input), topK, 0).map((score) => ({ label: nameOf(score.label), score: score.score }));
        });
      },
      async dispose() {
        classifier.dispose();
      },
    };
  },
};
