// Text classification: one text in, its labels with scores out (sentiment, topic, intent, spam…).
import { Type } from '@sinclair/typebox';
import { defineTask } from './task-definition.js';
import { LabelScores, parametersOf, TextInput, TopK } from './values.js';

export const textClassification = defineTask({
  id: 'text-classification',
  modality: 'nlp',
  title: 'Text classification',
  titleZh: '文本分类',
  description: 'Assigns labels such as a sentiment or a topic to a text, each with a score.',
  input: TextInput,
  parameters: parametersOf({
    top_k: Type.Optional(TopK),
    function_to_apply: Type.Optional(
      Type.Union([Type.Literal('softmax'), Type.Literal('sigmoid'), Type.Literal('none')], {
        description: 'How logits become scores: softmax for one label per text, sigmoid for several; the model configuration decides when absent',
      }),
    ),
  }),
  output: LabelScores,
  example: {
    input: '这家餐厅的菜很好吃，服务也很周到。',
    parameters: { top_k: 2 },
    output: [
      { label: 'positive', score: 0.9871 },
      { label: 'negative', score: 0.0129 },
    ],
  },
});
