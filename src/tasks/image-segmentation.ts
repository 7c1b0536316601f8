// Image segmentation: splits an image into labelled regions, one mask per region.
import { Type } from '@sinclair/typebox';
import { EXAMPLE_MASK_PNG, EXAMPLE_PNG } from './example-media.js';
import { defineTask } from './task-definition.js';
import { ImageInput, parametersOf, Score, Threshold } from './values.js';

// A mask is a PNG rather than run-length or a number grid: every client can show or decode it, and
// it compresses a mostly-empty full-size mask to a few hundred bytes.
const Segment = Type.Object({
  label: Type.String(),
  score: Type.Union([Score, Type.Null()], { description: 'null for semantic segmentation, which scores pixels, not regions' }),
  mask: Type.String({
    contentEncoding: 'base64',
    contentMediaType: 'image/png',
    description: 'Base64 PNG, single channel (grayscale), the size of the input image after EXIF orientation: 255 inside the region, 0 outside',
  }),
});

export const imageSegmentation = defineTask({
  id: 'image-segmentation',
  modality: 'vision',
  title: 'Image segmentation',
  titleZh: '图像分割',
  description: "Divides an image into regions and returns each region's label, score and pixel mask.",
  input: ImageInput,
  parameters: parametersOf({
    threshold: Type.Optional(Threshold),
    mask_threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Probability above which a pixel belongs to a region; default 0.5' })),
    subtask: Type.Optional(
      Type.Union([Type.Literal('semantic'), Type.Literal('instance'), Type.Literal('panoptic')], {
        description: 'semantic: one region per label; instance: one per object; panoptic: both. For models that do more than one',
      }),
    ),
  }),
  output: Type.Array(Segment, { description: 'Sorted by score, highest first (semantic segments in label order)' }),
  example: {
    input: EXAMPLE_PNG,
    parameters: { subtask: 'semantic' },
    output: [{ label: 'wall', score: null, mask: EXAMPLE_MASK_PNG }],
  },
});
