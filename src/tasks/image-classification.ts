// Image classification: names what an image shows, from the model's fixed set of labels.
import { Type } from '@sinclair/typebox';
import { EXAMPLE_IMAGE_URL } from './example-media.js';
import { defineTask } from './task-definition.js';
import { ImageInput, LabelScores, parametersOf, TopK } from './values.js';

export const imageClassification = defineTask({
  id: 'image-classification',
  modality: 'vision',
  title: 'Image classification',
  titleZh: '图像分类',
  description: "Assigns labels from the model's label set to an image, each with a score.",
  input: ImageInput,
  parameters: parametersOf({ top_k: Type.Optional(TopK) }),
  output: LabelScores,
  example: {
    input: EXAMPLE_IMAGE_URL,
    parameters: { top_k: 3 },
    output: [
      { label: 'Egyptian cat', score: 0.5157 },
      { label: 'tabby, tabby cat', score: 0.2672 },
      { label: 'tiger cat', score: 0.1532 },
    ],
  },
});
