// Token classification: finds spans of a text and labels them, as named-entity recognition does.
import { Type } from '@sinclair/typebox';
import { defineTask } from './task-definition.js';
import { Offset, parametersOf, Score, TextInput } from './values.js';

/** One labelled span; with aggregation the label drops its B-/I- prefix (`PER`, not `B-PER`). */
const Entity = Type.Object({
  entity: Type.String({ description: 'The label: B-PER / I-PER style per token, or PER once tokens are grouped' }),
  score: Score,
  word: Type.String({ description: 'The span of the input text, `text.slice(start, end)`' }),
  start: Offset,
  end: Offset,
});

export const tokenClassification = defineTask({
  id: 'token-classification',
  modality: 'nlp',
  title: 'Token classification',
  titleZh: '词元分类（实体识别）',
  description: 'Labels spans of a text, such as the people, places and organisations it names, with their character offsets.',
  input: TextInput,
  parameters: parametersOf({
    aggregation_strategy: Type.Optional(
      Type.Union([Type.Literal('none'), Type.Literal('simple'), Type.Literal('first'), Type.Literal('average'), Type.Literal('max')], {
        description: 'none: one result per token; simple: consecutive tokens with the same label are grouped; first/average/max also keep words whole, taking the label of the first token, the best average or the best token. Default simple',
      }),
    ),
    ignore_labels: Type.Optional(Type.Array(Type.String(), { description: 'Labels left out of the result; default ["O"]' })),
  }),
  output: Type.Array(Entity, { description: 'In order of position in the text' }),
  example: {
    input: '马云在杭州创办了阿里巴巴。',
    parameters: { aggregation_strategy: 'simple' },
    output: [
      { entity: 'PER', score: 0.9982, word: '马云', start: 0, end: 2 },
      { entity: 'LOC', score: 0.9975, word: '杭州', start: 3, end: 5 },
      { entity: 'ORG', score: 0.9931, word: '阿里巴巴', start: 8, end: 12 },
    ],
  },
});
