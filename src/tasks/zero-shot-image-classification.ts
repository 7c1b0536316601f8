// Zero-shot image classification: classifies an image into labels chosen at request time, by
// comparing image and text embeddings (CLIP and its kin).
import { Type } from '@sinclair/typebox';
import { EXAMPLE_IMAGE_URL } from './example-media.js';
import { defineTask } from './task-definition.js';
import { CandidateLabels, HypothesisTemplate, ImageInput, LabelScores } from './values.js';

export const zeroShotImageClassification = defineTask({
  id: 'zero-shot-image-classification',
  modality: 'multimodal',
  title: 'Zero-shot image classification',
  titleZh: '零样本图像分类',
  description: 'Classifies an image into labels given with the request, without training on them.',
  input: ImageInput,
  // candidate_labels is required, so this is not parametersOf (whose properties are all optional).
  parameters: Type.Object(
    {
      candidate_labels: CandidateLabels,
      hypothesis_template: Type.Optional(HypothesisTemplate),
    },
    { additionalProperties: false },
  ),
  output: LabelScores,
  example: {
    input: EXAMPLE_IMAGE_URL,
    parameters: { candidate_labels: ['cats', 'dogs', 'birds'], hypothesis_template: 'a photo of {}' },
    output: [
      { label: 'cats', score: 0.9891 },
      { label: 'dogs', score: 0.0087 },
      { label: 'birds', score: 0.0022 },
    ],
  },
});
