// Text generation: continues a prompt, or answers the last turn of a chat, with a causal language model.
import { Type } from '@sinclair/typebox';
import { defineTask } from './task-definition.js';
import { generationParameters, parametersOf } from './values.js';

const Message = Type.Object(
  {
    role: Type.Union([Type.Literal('system'), Type.Literal('user'), Type.Literal('assistant')]),
    content: Type.String(),
  },
  { additionalProperties: false },
);

export const textGeneration = defineTask({
  id: 'text-generation',
  modality: 'nlp',
  title: 'Text generation',
  titleZh: '文本生成',
  description: "Continues a prompt, or replies to a chat through the model's chat template.",
  input: Type.Union([
    Type.String({ minLength: 1, title: 'Prompt' }),
    Type.Object({ messages: Type.Array(Message, { minItems: 1, title: 'Chat' }) }, { additionalProperties: false }),
  ]),
  parameters: parametersOf({
    ...generationParameters,
    stop: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 16, description: 'Generation stops at the first of these; it is not included' })),
  }),
  output: Type.Object({ generated_text: Type.String({ description: 'Only the new text, without the prompt' }) }),
  example: {
    input: {
      messages: [
        { role: 'system', content: '你是一个乐于助人的助手。' },
        { role: 'user', content: '用一句话介绍杭州。' },
      ],
    },
    parameters: { max_new_tokens: 64, temperature: 0.7, top_p: 0.9, do_sample: true, seed: 42 },
    output: { generated_text: '杭州是浙江省省会，以西湖美景和悠久的历史文化闻名。' },
  },
});
