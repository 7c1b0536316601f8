// Extractive question answering: finds the answer to a question as a span of a given context.
import { Type } from '@sinclair/typebox';
import { defineTask } from './task-definition.js';
import { Offset, parametersOf, Score, TextInput } from './values.js';

export const questionAnswering = defineTask({
  id: 'question-answering',
  modality: 'nlp',
  title: 'Question answering',
  titleZh: '抽取式问答',
  description: 'Answers a question with the span of the context that answers it, with a score and offsets.',
  input: Type.Object(
    {
      question: TextInput,
      context: Type.String({ minLength: 1, description: 'The text that holds the answer' }),
    },
    { additionalProperties: false },
  ),
  parameters: parametersOf({
    max_answer_len: Type.Optional(Type.Integer({ minimum: 1, maximum: 512, description: 'Longest answer, in tokens; default 15' })),
  }),
  output: Type.Object({
    answer: Type.String({ description: '`context.slice(start, end)`' }),
    score: Score,
    start: Offset,
    end: Offset,
  }),
  example: {
    input: { question: '长城有多长？', context: '长城是中国古代的军事防御工程，总长度约为两万一千公里。' },
    output: { answer: '两万一千公里', score: 0.8734, start: 20, end: 26 },
  },
});
