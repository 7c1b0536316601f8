// Image to text: describes an image in words (captioning).
import { Type } from '@sinclair/typebox';
import { EXAMPLE_IMAGE_URL } from './example-media.js';
import { defineTask } from './task-definition.js';
import { generationParameters, ImageInput, parametersOf } from './values.js';

export const imageToText = defineTask({
  id: 'image-to-text',
  modality: 'multimodal',
  title: 'Image to text',
  titleZh: '图像描述',
  description: 'Writes a caption describing what an image shows.',
  input: ImageInput,
  parameters: parametersOf(generationParameters),
  output: Type.Object({ generated_text: Type.String() }),
  example: {
    input: EXAMPLE_IMAGE_URL,
    parameters: { max_new_tokens: 30 },
    output: { generated_text: 'two cats laying on a couch with remote controls' },
  },
});
