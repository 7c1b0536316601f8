// PP-OCR's direction classifier: the probability, per text line, that it reads upside down. Lines
// are scaled to the classifier's height and its width at most (longer lines are squeezed, as
// PaddleOCR does), and padded to that width.
import { ModaError } from '../../errors/moda-error.js';
import type { OnnxModel } from '../../runtime/engines/onnx-engine.js';
import { batchByAspect } from './batch-by-aspect.js';
import { runSession, type InferenceTally } from './run-session.js';
import { sampleTextLine, type ChannelNormalization, type TextLineCrop } from './sample-text-line.js';

export interface OrientationClassifier {
  model: OnnxModel;
  imageHeight: number;
  imageWidth: number;
  batchSize: number;
  normalization: ChannelNormalization;
}

/** For each crop, the probability that it is upside down. */
export async function classifyOrientation(classifier: OrientationClassifier, crops: readonly TextLineCrop[], tally?: InferenceTally): Promise<number[]> {
  const { imageHeight: height, imageWidth: width } = classifier;
  const upsideDown = new Array<number>(crops.length).fill(0);
  const item = 3 * height * width;
  for (const batch of batchByAspect(crops.map((crop) => crop.aspect), classifier.batchSize)) {
    const data = new Float32Array(batch.length * item);
    batch.forEach((index, position) => {
      const crop = crops[index]!;
      const lineWidth = Math.max(1, Math.min(width, Math.ceil(height * crop.aspect)));
      sampleTextLine(crop.image, crop.quad, lineWidth, { data, offset: position * item, width, height }, classifier.normalization);
    });
    const output = await runSession(classifier.model, data, [batch.length, 3, height, width], tally);
    if (output.type !== 'float32' || output.dims.length !== 2 || output.dims[0] !== batch.length || output.dims[1] !== 2) {
      throw new ModaError('MODEL_INFERENCE_FAILED', `the direction classifier answered a ${output.type} tensor [${output.dims.join(', ')}]; expected float32 [${batch.length}, 2]`);
    }
    const probabilities = output.data as Float32Array;
    batch.forEach((index, position) => {
      upsideDown[index] = probabilities[2 * position + 1]!;
    });
  }
  return upsideDown;
}
