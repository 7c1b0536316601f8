// Feature extraction: turns a text into an embedding vector for search, clustering or RAG.
import { Type } from '@sinclair/typebox';
import { defineTask } from './task-definition.js';
import { parametersOf, TextInput } from './values.js';

const Vector = Type.Array(Type.Number());

export const featureExtraction = defineTask({
  id: 'feature-extraction',
  modality: 'nlp',
  title: 'Feature extraction',
  titleZh: '特征抽取（文本向量）',
  description: 'Embeds a text as a vector of numbers, so that texts with similar meaning get nearby vectors.',
  input: TextInput,
  parameters: parametersOf({
    normalize: Type.Optional(Type.Boolean({ description: 'Scale to unit length (L2), so a dot product is the cosine similarity; default true' })),
    pooling: Type.Optional(
      Type.Union([Type.Literal('mean'), Type.Literal('cls'), Type.Literal('none')], {
        description: "How token vectors become one: mean of the tokens, the first ([CLS]) token, or none (one vector per token). Default: the model's own pooling, else mean",
      }),
    ),
  }),
  // One shape for both cases, told apart by nesting, so clients that never ask for `none` always get number[].
  output: Type.Object({
    embedding: Type.Union([Vector, Type.Array(Vector)], { description: 'number[] when pooled; number[][] (one vector per token, in order) when pooling is none' }),
  }),
  example: {
    input: '今天天气真好',
    parameters: { normalize: true, pooling: 'mean' },
    output: { embedding: [0.0412, -0.0187, 0.0733, 0.0095, -0.0521, 0.9941] },
  },
});
