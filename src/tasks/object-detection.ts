// Object detection: finds the objects in an image, each with a label, a score and a box.
import { Type } from '@sinclair/typebox';
import { EXAMPLE_IMAGE_URL } from './example-media.js';
import { defineTask } from './task-definition.js';
import { Box, ImageInput, parametersOf, Score, Threshold } from './values.js';

const Detection = Type.Object({ label: Type.String(), score: Score, box: Box });

export const objectDetection = defineTask({
  id: 'object-detection',
  modality: 'vision',
  title: 'Object detection',
  titleZh: '目标检测',
  description: "Finds the objects in an image and returns each one's label, score and bounding box in pixels.",
  input: ImageInput,
  parameters: parametersOf({ threshold: Type.Optional(Threshold) }),
  output: Type.Array(Detection, { description: 'Sorted by score, highest first' }),
  example: {
    input: EXAMPLE_IMAGE_URL,
    parameters: { threshold: 0.9 },
    output: [
      { label: 'cat', score: 0.9988, box: { xmin: 13, ymin: 52, xmax: 314, ymax: 470 } },
      { label: 'cat', score: 0.9987, box: { xmin: 345, ymin: 23, xmax: 640, ymax: 368 } },
      { label: 'remote', score: 0.9982, box: { xmin: 40, ymin: 70, xmax: 175, ymax: 117 } },
      { label: 'remote', score: 0.9960, box: { xmin: 333, ymin: 72, xmax: 368, ymax: 187 } },
      { label: 'couch', score: 0.9955, box: { xmin: 0, ymin: 1, xmax: 639, ymax: 473 } },
    ],
  },
});
