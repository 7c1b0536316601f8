// Zero-shot classification: classifies a text into labels chosen at request time (an NLI model
// scores "this text is about {label}" for each one).
import { Type } from '@sinclair/typebox';
import { defineTask } from './task-definition.js';
import { CandidateLabels, HypothesisTemplate, LabelScores, TextInput } from './values.js';

export const zeroShotClassification = defineTask({
  id: 'zero-shot-classification',
  modality: 'nlp',
  title: 'Zero-shot classification',
  titleZh: '零样本分类',
  description: 'Classifies a text into labels given with the request, without training on them.',
  input: TextInput,
  // candidate_labels is required, so this is not parametersOf (whose properties are all optional).
  parameters: Type.Object(
    {
      candidate_labels: CandidateLabels,
      multi_label: Type.Optional(Type.Boolean({ description: 'Score each label on its own (several may be true) instead of making them compete; default false' })),
      hypothesis_template: Type.Optional(HypothesisTemplate),
    },
    { additionalProperties: false },
  ),
  output: LabelScores,
  example: {
    input: '这款手机的电池续航太差了，一天要充三次电。',
    parameters: { candidate_labels: ['产品质量', '物流', '售后服务'], hypothesis_template: '这段文字是关于{}的。' },
    output: [
      { label: '产品质量', score: 0.9134 },
      { label: '售后服务', score: 0.0612 },
      { label: '物流', score: 0.0254 },
    ],
  },
});
