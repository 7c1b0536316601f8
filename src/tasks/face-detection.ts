// Face detection: finds the faces in an image and, as far as the model can tell, their landmarks,
// age, gender, expression and an identity embedding.
import { Type } from '@sinclair/typebox';
import { defineTask } from './task-definition.js';
import { Box, ImageInput, LabelScore, parametersOf, Point, Score, Threshold } from './values.js';

// Attributes are optional because detectors differ: a small one gives boxes only, a full one all of them.
const Face = Type.Object({
  score: Score,
  box: Box,
  landmarks: Type.Optional(Type.Array(Point, { description: "Facial landmarks [x, y] in pixels, in the model's order (e.g. 5 or 68 points)" })),
  age: Type.Optional(Type.Number({ minimum: 0, description: 'Estimated age in years' })),
  gender: Type.Optional(Type.Object(LabelScore.properties, { description: 'label is "male" or "female"' })),
  expression: Type.Optional(Type.Array(LabelScore, { description: 'Expressions (neutral, happy, sad, angry, fearful, disgusted, surprised), highest first' })),
  embedding: Type.Optional(Type.Array(Type.Number(), { description: "Identity vector: the closer two faces' embeddings, the likelier the same person" })),
});

export const faceDetection = defineTask({
  id: 'face-detection',
  modality: 'vision',
  title: 'Face detection',
  titleZh: '人脸检测',
  description: 'Finds the faces in an image with their boxes and, depending on the model, landmarks, age, gender, expression and embedding.',
  input: ImageInput,
  parameters: parametersOf({
    threshold: Type.Optional(Threshold),
    max_faces: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Most faces to return, highest scores first' })),
  }),
  output: Type.Array(Face, { description: 'Sorted by score, highest first' }),
  example: {
    input: 'https://example.com/portrait.jpg',
    parameters: { threshold: 0.5, max_faces: 10 },
    output: [
      {
        score: 0.9962,
        box: { xmin: 212, ymin: 98, xmax: 391, ymax: 322 },
        landmarks: [[262, 190], [340, 188], [301, 238], [270, 276], [333, 274]],
        age: 31.4,
        gender: { label: 'female', score: 0.9613 },
        expression: [
          { label: 'happy', score: 0.9125 },
          { label: 'neutral', score: 0.0811 },
        ],
        embedding: [0.0153, -0.0912, 0.1207, 0.0044],
      },
    ],
  },
});
