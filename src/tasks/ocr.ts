// OCR: reads the text in an image line by line, with where each line is.
import { Type } from '@sinclair/typebox';
import { defineTask } from './task-definition.js';
import { Box, ImageInput, parametersOf, Point, Score, Threshold } from './values.js';

// Text lines are often rotated or curved, so OCR always gives the polygon that the axis-aligned box encloses.
const LineBox = Type.Object(
  { ...Box.properties, polygon: Type.Array(Point, { minItems: 3, description: 'Corner points, clockwise from top-left' }) },
  { description: 'Pixel coordinates in the input image' },
);

const Line = Type.Object({ text: Type.String(), score: Score, box: LineBox });

export const ocr = defineTask({
  id: 'ocr',
  modality: 'vision',
  title: 'Optical character recognition',
  titleZh: '文字识别（OCR）',
  description: 'Detects the lines of text in an image and reads them, with a box and a score per line.',
  input: ImageInput,
  parameters: parametersOf({
    threshold: Type.Optional(Threshold),
    min_score: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Drop lines read with a lower confidence (same as threshold)' })),
    det_threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Detection models: probability above which a pixel counts as text' })),
    box_threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Detection models: mean probability a text box needs to be kept' })),
    max_side: Type.Optional(Type.Integer({ minimum: 32, maximum: 4096, description: 'Detection models: the longer image side is scaled down to at most this' })),
    use_angle_cls: Type.Optional(Type.Boolean({ description: 'Detect and undo upside-down text (models with a direction classifier)' })),
    psm: Type.Optional(Type.Integer({ minimum: 0, maximum: 13, description: 'Tesseract models: page segmentation mode' })),
  }),
  output: Type.Object({
    text: Type.String({ description: 'All lines in reading order, joined by \\n' }),
    lines: Type.Array(Line, { description: 'In reading order: top to bottom, then left to right' }),
    angle: Type.Optional(Type.Number({ description: 'Clockwise rotation of the text in degrees (0, 90, 180, 270), undone before reading, when the model detects it' })),
  }),
  example: {
    input: 'https://example.com/receipt.jpg',
    output: {
      text: '购物小票\n合计：￥128.50',
      lines: [
        { text: '购物小票', score: 0.9967, box: { xmin: 120, ymin: 30, xmax: 281, ymax: 72, polygon: [[120, 30], [281, 30], [281, 72], [120, 72]] } },
        { text: '合计：￥128.50', score: 0.9821, box: { xmin: 40, ymin: 410, xmax: 362, ymax: 447, polygon: [[40, 412], [362, 410], [362, 445], [40, 447]] } },
      ],
      angle: 0,
    },
  },
});
