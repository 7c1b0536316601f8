// Sentence similarity: scores how close in meaning each of several sentences is to one source sentence.
import { Type } from '@sinclair/typebox';
import { defineTask } from './task-definition.js';
import { parametersOf, TextInput } from './values.js';

export const sentenceSimilarity = defineTask({
  id: 'sentence-similarity',
  modality: 'nlp',
  title: 'Sentence similarity',
  titleZh: '句子相似度',
  description: 'Compares one source sentence with a list of sentences and returns one similarity score per sentence.',
  input: Type.Object(
    {
      source_sentence: TextInput,
      sentences: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 1000, description: 'Sentences to compare with the source' }),
    },
    { additionalProperties: false },
  ),
  parameters: parametersOf({}),
  output: Type.Object({
    scores: Type.Array(Type.Number({ minimum: -1, maximum: 1 }), { description: 'Cosine similarity to the source, one per sentence, in the order given' }),
  }),
  example: {
    input: { source_sentence: '我喜欢吃苹果', sentences: ['苹果是我最爱的水果', '今天股市大涨', '我爱吃香蕉'] },
    output: { scores: [0.8621, 0.1043, 0.6377] },
  },
});
