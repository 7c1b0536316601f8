// Text-to-text generation: an encoder-decoder model (T5, BART…) rewrites one text into another.
import { Type } from '@sinclair/typebox';
import { defineTask } from './task-definition.js';
import { generationParameters, parametersOf, TextInput } from './values.js';

export const text2textGeneration = defineTask({
  id: 'text2text-generation',
  modality: 'nlp',
  title: 'Text-to-text generation',
  titleZh: '文本到文本生成',
  description: 'Rewrites a text into another with an encoder-decoder model, following an instruction in the text.',
  input: TextInput,
  parameters: parametersOf(generationParameters),
  output: Type.Object({ generated_text: Type.String() }),
  example: {
    input: 'question: What is the capital of France? context: Paris is the capital and largest city of France.',
    parameters: { max_new_tokens: 32 },
    output: { generated_text: 'Paris' },
  },
});
