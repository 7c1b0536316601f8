// Visual question answering: answers a question about an image.
import { Type } from '@sinclair/typebox';
import { EXAMPLE_IMAGE_URL } from './example-media.js';
import { defineTask } from './task-definition.js';
import { ImageInput, parametersOf, Score, TextInput, TopK } from './values.js';

export const visualQuestionAnswering = defineTask({
  id: 'visual-question-answering',
  modality: 'multimodal',
  title: 'Visual question answering',
  titleZh: '视觉问答',
  description: 'Answers a question about an image, with candidate answers and scores.',
  input: Type.Object({ image: ImageInput, question: TextInput }, { additionalProperties: false }),
  parameters: parametersOf({ top_k: Type.Optional(TopK) }),
  output: Type.Array(Type.Object({ answer: Type.String(), score: Score }), { description: 'Sorted by score, highest first' }),
  example: {
    input: { image: EXAMPLE_IMAGE_URL, question: 'How many cats are there?' },
    parameters: { top_k: 2 },
    output: [
      { answer: '2', score: 0.9702 },
      { answer: '3', score: 0.0113 },
    ],
  },
});
