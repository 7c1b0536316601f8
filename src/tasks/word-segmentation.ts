// Word segmentation: splits text written without spaces (Chinese, Japanese) into words, optionally
// with parts of speech and the text's keywords.
import { Type } from '@sinclair/typebox';
import { defineTask } from './task-definition.js';
import { Offset, parametersOf, TextInput } from './values.js';

const Token = Type.Object({
  word: Type.String(),
  start: Offset,
  end: Offset,
  tag: Type.Optional(Type.String({ description: 'Part of speech (e.g. n, v, ns for jieba), present when `pos` is true' })),
});

const Keyword = Type.Object({ word: Type.String(), weight: Type.Number({ minimum: 0, description: 'Importance, e.g. TF-IDF; higher first' }) });

export const wordSegmentation = defineTask({
  id: 'word-segmentation',
  modality: 'nlp',
  title: 'Word segmentation',
  titleZh: '分词',
  description: 'Splits a text into words with their offsets, optionally tagging parts of speech and extracting keywords.',
  input: TextInput,
  parameters: parametersOf({
    pos: Type.Optional(Type.Boolean({ description: 'Tag each word with its part of speech' })),
    keywords: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, description: 'How many keywords to extract; 0 or absent: none' })),
  }),
  output: Type.Object({
    tokens: Type.Array(Token, { description: 'Every word in order; together they cover the input' }),
    keywords: Type.Optional(Type.Array(Keyword, { description: 'Present when keywords > 0; sorted by weight, highest first' })),
  }),
  example: {
    input: '我爱北京天安门',
    parameters: { pos: true, keywords: 2 },
    output: {
      tokens: [
        { word: '我', start: 0, end: 1, tag: 'r' },
        { word: '爱', start: 1, end: 2, tag: 'v' },
        { word: '北京', start: 2, end: 4, tag: 'ns' },
        { word: '天安门', start: 4, end: 7, tag: 'ns' },
      ],
      keywords: [
        { word: '天安门', weight: 3.98 },
        { word: '北京', weight: 2.66 },
      ],
    },
  },
});
