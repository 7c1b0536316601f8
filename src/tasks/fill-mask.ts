// Fill-mask: guesses the token hidden behind the model's mask token ([MASK] or <mask>).
import { Type } from '@sinclair/typebox';
import { defineTask } from './task-definition.js';
import { parametersOf, Score, TopK } from './values.js';

const Fill = Type.Object({
  token_str: Type.String({ description: 'The predicted token as text' }),
  score: Score,
  sequence: Type.String({ description: 'The input with the mask replaced by the token' }),
  token: Type.Optional(Type.Integer({ minimum: 0, description: 'The token id in the model vocabulary' })),
});

export const fillMask = defineTask({
  id: 'fill-mask',
  modality: 'nlp',
  title: 'Fill mask',
  titleZh: '完形填空',
  description: 'Predicts the most likely tokens for the mask token in a text, with scores.',
  input: Type.String({ minLength: 1, title: 'Text', description: "A text holding the model's mask token exactly once, e.g. [MASK]" }),
  parameters: parametersOf({
    top_k: Type.Optional(TopK),
    targets: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'Score only these candidate tokens' })),
  }),
  output: Type.Array(Fill, { description: 'Sorted by score, highest first' }),
  example: {
    input: '巴黎是[MASK]国的首都。',
    parameters: { top_k: 2 },
    output: [
      { token_str: '法', score: 0.9912, sequence: '巴黎是法国的首都。', token: 3791 },
      { token_str: '英', score: 0.0021, sequence: '巴黎是英国的首都。', token: 5739 },
    ],
  },
});
