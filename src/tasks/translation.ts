// Translation: translates a text from one language into another.
import { Type } from '@sinclair/typebox';
import { defineTask } from './task-definition.js';
import { generationParameters, parametersOf, TextInput } from './values.js';

function language(side: string) {
  return Type.String({ minLength: 2, maxLength: 32, description: `${side} language, in the form the model expects (zh, en, zho_Hans); for models that translate between many languages` });
}

export const translation = defineTask({
  id: 'translation',
  modality: 'nlp',
  title: 'Translation',
  titleZh: '翻译',
  description: 'Translates a text into another language.',
  input: TextInput,
  parameters: parametersOf({
    src_lang: Type.Optional(language('Source')),
    tgt_lang: Type.Optional(language('Target')),
    ...generationParameters,
  }),
  output: Type.Object({ translation_text: Type.String() }),
  example: {
    input: '今天天气很好，我们去公园散步吧。',
    parameters: { src_lang: 'zh', tgt_lang: 'en' },
    output: { translation_text: "The weather is nice today, let's go for a walk in the park." },
  },
});
