// Summarization: shortens a text to its main points.
import { Type } from '@sinclair/typebox';
import { defineTask } from './task-definition.js';
import { generationParameters, parametersOf, TextInput } from './values.js';

export const summarization = defineTask({
  id: 'summarization',
  modality: 'nlp',
  title: 'Summarization',
  titleZh: '文本摘要',
  description: 'Writes a shorter text that keeps the main points of the input.',
  input: TextInput,
  parameters: parametersOf(generationParameters),
  output: Type.Object({ summary_text: Type.String() }),
  example: {
    input:
      'The tower is 324 metres (1,063 ft) tall, about the same height as an 81-storey building, and the tallest structure in Paris. Its base is square, measuring 125 metres (410 ft) on each side. During its construction, the Eiffel Tower surpassed the Washington Monument to become the tallest man-made structure in the world.',
    parameters: { max_new_tokens: 60 },
    output: { summary_text: 'The Eiffel Tower is 324 metres tall, the tallest structure in Paris, and was once the tallest man-made structure in the world.' },
  },
});
