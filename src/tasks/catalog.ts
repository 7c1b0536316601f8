// The task catalog: every task Moda knows, by id. Each definition lives in its own file.
import type { Static } from '@sinclair/typebox';
import { ModaError } from '../errors/moda-error.js';
import type { TaskDefinition } from './task-definition.js';
import { automaticSpeechRecognition } from './automatic-speech-recognition.js';
import { faceDetection } from './face-detection.js';
import { featureExtraction } from './feature-extraction.js';
import { fillMask } from './fill-mask.js';
import { imageClassification } from './image-classification.js';
import { imageSegmentation } from './image-segmentation.js';
import { imageToText } from './image-to-text.js';
import { languageIdentification } from './language-identification.js';
import { objectDetection } from './object-detection.js';
import { ocr } from './ocr.js';
import { questionAnswering } from './question-answering.js';
import { sentenceSimilarity } from './sentence-similarity.js';
import { summarization } from './summarization.js';
import { textClassification } from './text-classification.js';
import { textGeneration } from './text-generation.js';
import { textToSpeech } from './text-to-speech.js';
import { text2textGeneration } from './text2text-generation.js';
import { tokenClassification } from './token-classification.js';
import { translation } from './translation.js';
import { visualQuestionAnswering } from './visual-question-answering.js';
import { voiceActivityDetection } from './voice-activity-detection.js';
import { wordSegmentation } from './word-segmentation.js';
import { zeroShotClassification } from './zero-shot-classification.js';
import { zeroShotImageClassification } from './zero-shot-image-classification.js';
import { imageFeatureExtraction } from './image-feature-extraction.js';

export const TASK_IDS = [
  'text-classification',
  'token-classification',
  'word-segmentation',
  'fill-mask',
  'question-answering',
  'feature-extraction',
  'sentence-similarity',
  'zero-shot-classification',
  'text-generation',
  'text2text-generation',
  'translation',
  'summarization',
  'language-identification',
  'image-classification',
  'object-detection',
  'image-segmentation',
  'ocr',
  'face-detection',
  'image-to-text',
  'visual-question-answering',
  'zero-shot-image-classification',
  'automatic-speech-recognition',
  'voice-activity-detection',
  'text-to-speech',
  'image-feature-extraction',
] as const;
export type TaskId = (typeof TASK_IDS)[number];

export const tasks = {
  'text-classification': textClassification,
  'token-classification': tokenClassification,
  'word-segmentation': wordSegmentation,
  'fill-mask': fillMask,
  'question-answering': questionAnswering,
  'feature-extraction': featureExtraction,
  'sentence-similarity': sentenceSimilarity,
  'zero-shot-classification': zeroShotClassification,
  'text-generation': textGeneration,
  'text2text-generation': text2textGeneration,
  'translation': translation,
  'summarization': summarization,
  'language-identification': languageIdentification,
  'image-classification': imageClassification,
  'object-detection': objectDetection,
  'image-segmentation': imageSegmentation,
  'ocr': ocr,
  'face-detection': faceDetection,
  'image-to-text': imageToText,
  'visual-question-answering': visualQuestionAnswering,
  'zero-shot-image-classification': zeroShotImageClassification,
  'automatic-speech-recognition': automaticSpeechRecognition,
  'voice-activity-detection': voiceActivityDetection,
  'text-to-speech': textToSpeech,
  'image-feature-extraction': imageFeatureExtraction,
} satisfies Record<TaskId, TaskDefinition>;

/** One input of task T, as the pipeline receives it (media not yet decoded). */
export type TaskInput<T extends TaskId> = Static<(typeof tasks)[T]['input']>;
/** The parameters object of task T (shared by every input of a batch). */
export type TaskParameters<T extends TaskId> = Static<(typeof tasks)[T]['parameters']>;
/** The output for one input of task T. */
export type TaskOutput<T extends TaskId> = Static<(typeof tasks)[T]['output']>;

export function isTaskId(id: string): id is TaskId {
  return Object.hasOwn(tasks, id);
}

/** The definition of a task; TASK_UNKNOWN (404) names the valid ids when there is none. */
export function getTask<T extends TaskId>(id: T): (typeof tasks)[T];
export function getTask(id: string): TaskDefinition;
export function getTask(id: string): TaskDefinition {
  if (!isTaskId(id)) {
    throw new ModaError('TASK_UNKNOWN', `unknown task "${id}"; known tasks: ${TASK_IDS.join(', ')}`, { details: { task: id, tasks: TASK_IDS } });
  }
  return tasks[id];
}
