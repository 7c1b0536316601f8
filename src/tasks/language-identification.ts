// Language identification: tells which language a text is written in.
import { Type } from '@sinclair/typebox';
import { defineTask } from './task-definition.js';
import { LabelScores, parametersOf, TextInput, Threshold, TopK } from './values.js';

export const languageIdentification = defineTask({
  id: 'language-identification',
  modality: 'nlp',
  title: 'Language identification',
  titleZh: '语种识别',
  description: 'Identifies the language of a text: labels are ISO 639-1 codes where one exists (zh, en), else ISO 639-3 (yue), with scores.',
  input: TextInput,
  parameters: parametersOf({ top_k: Type.Optional(TopK), threshold: Type.Optional(Threshold) }),
  output: LabelScores,
  example: {
    input: '今天天气很好',
    parameters: { top_k: 3 },
    output: [
      { label: 'zh', score: 0.9803 },
      { label: 'ja', score: 0.0121 },
      { label: 'yue', score: 0.0042 },
    ],
  },
});
