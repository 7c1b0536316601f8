// Image feature extraction: turns an image into an embedding vector (Hugging Face's
// `image-feature-extraction`), for similarity search, clustering, and as the frozen backbone of tuned
// classifiers (image heads, prototypes).
import { Type } from '@sinclair/typebox';
import { EXAMPLE_IMAGE_URL } from './example-media.js';
import { defineTask } from './task-definition.js';
import { ImageInput, parametersOf } from './values.js';

export const imageFeatureExtraction = defineTask({
  id: 'image-feature-extraction',
  modality: 'vision',
  title: 'Image feature extraction',
  titleZh: '图像特征抽取（图像向量）',
  description: 'Embeds an image as a vector of numbers, so that images showing similar things get nearby vectors.',
  input: ImageInput,
  parameters: parametersOf({
    normalize: Type.Optional(Type.Boolean({ description: 'Scale to unit length (L2), so a dot product is the cosine similarity; default false (the raw features)' })),
  }),
  output: Type.Object({ embedding: Type.Array(Type.Number(), { description: 'One vector per image' }) }),
  example: {
    input: EXAMPLE_IMAGE_URL,
    parameters: { normalize: true },
    output: { embedding: [0.0412, 0.0187, 0.0733, 0.0095, 0.0521, 0.0941] },
  },
});
