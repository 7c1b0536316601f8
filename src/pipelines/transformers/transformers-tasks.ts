// Which Moda tasks transformers.js runs, kept apart from transformers-pipeline.ts so the registry can
// plan a model without importing transformers.js itself (hundreds of MB, seconds to import).
import type { TaskId } from '../../tasks/catalog.js';

/** Moda task → transformers.js task. */
export const TRANSFORMERS_TASK: Partial<Record<TaskId, string>> = {
  'text-classification': 'text-classification',
  'token-classification': 'token-classification',
  'fill-mask': 'fill-mask',
  'question-answering': 'question-answering',
  'feature-extraction': 'feature-extraction',
  'sentence-similarity': 'feature-extraction',
  'zero-shot-classification': 'zero-shot-classification',
  'text-generation': 'text-generation',
  'text2text-generation': 'text2text-generation',
  translation: 'translation',
  summarization: 'summarization',
  'image-classification': 'image-classification',
  'object-detection': 'object-detection',
  'image-segmentation': 'image-segmentation',
  'image-to-text': 'image-to-text',
  'zero-shot-image-classification': 'zero-shot-image-classification',
};

export const TRANSFORMERS_TASKS = Object.keys(TRANSFORMERS_TASK) as TaskId[];
