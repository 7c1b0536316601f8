// The tasks an `eval` job can score, and for each: what kind of input the model takes, which dataset
// columns hold the input and the reference by default (the names Hugging Face datasets and
// AutoTrain use most), what the reference is compared as, and how a prediction is read from the
// task's output. Tasks whose answers have no single reference (generation, embeddings) are absent.
import type { TaskId } from '../tasks/catalog.js';

export type ReferenceKind = 'label' | 'text';
export type InputKind = 'text' | 'image' | 'audio';

export interface EvalTask {
  task: TaskId;
  input: InputKind;
  reference: ReferenceKind;
  /** Default input columns, first match wins (media tasks also take any image/audio column). */
  inputColumns: readonly string[];
  /** Default reference columns, first match wins. */
  referenceColumns: readonly string[];
  /** The model's answer for one input as the value compared with the reference; undefined when the shape is not the task's. */
  prediction(output: unknown): string | undefined;
  /** The HF model-index `task.name`. */
  title: string;
}

const TEXT_INPUTS = ['text', 'sentence', 'content', 'input', 'document', 'body', 'review', 'question', 'sentence1'] as const;
const LABEL_REFERENCES = ['label', 'labels', 'target', 'class', 'category', 'lang', 'language'] as const;
const TEXT_REFERENCES = ['text', 'transcription', 'transcript', 'ground_truth', 'sentence', 'label'] as const;

/** The top label of a LabelScores answer (sorted, highest first). */
function topLabel(output: unknown): string | undefined {
  if (!Array.isArray(output)) return undefined;
  const first = output[0] as { label?: unknown } | undefined;
  // A model may answer an empty list (everything under its threshold): no label, counted wrong.
  if (first === undefined) return '';
  return typeof first.label === 'string' ? first.label : undefined;
}

/** `text` of an OCR or speech answer; OCR lines are joined by newlines, compared as spaces. */
function outputText(output: unknown): string | undefined {
  const text = (output as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? text.replace(/\s*\n\s*/g, ' ').trim() : undefined;
}

const classification = (task: TaskId, input: InputKind, title: string): EvalTask => ({
  task,
  input,
  reference: 'label',
  inputColumns: input === 'text' ? TEXT_INPUTS : input === 'image' ? ['image', 'img', 'picture', 'photo'] : ['audio', 'speech'],
  referenceColumns: LABEL_REFERENCES,
  prediction: topLabel,
  title,
});

export const EVAL_TASKS: Partial<Record<TaskId, EvalTask>> = {
  'text-classification': classification('text-classification', 'text', 'Text Classification'),
  'language-identification': classification('language-identification', 'text', 'Language Identification'),
  'image-classification': classification('image-classification', 'image', 'Image Classification'),
  ocr: { task: 'ocr', input: 'image', reference: 'text', inputColumns: ['image', 'img'], referenceColumns: TEXT_REFERENCES, prediction: outputText, title: 'Optical Character Recognition' },
  'automatic-speech-recognition': {
    task: 'automatic-speech-recognition',
    input: 'audio',
    reference: 'text',
    inputColumns: ['audio', 'speech'],
    referenceColumns: TEXT_REFERENCES,
    prediction: outputText,
    title: 'Automatic Speech Recognition',
  },
};

export function evalTaskOf(task: string): EvalTask | undefined {
  return EVAL_TASKS[task as TaskId];
}
