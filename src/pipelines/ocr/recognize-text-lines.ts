// Reads text lines with the PP-OCR recogniser: lines of similar aspect are batched, each scaled to
// the model's height and padded to the batch's width, then the CTC output is decoded greedily
// against the dictionary.
import { ModaError } from '../../errors/moda-error.js';
import type { OnnxModel } from '../../runtime/engines/onnx-engine.js';
import { batchByAspect } from './batch-by-aspect.js';
import { ctcGreedyDecode, type DecodedLine } from './ctc-decode.js';
import { runSession, type InferenceTally } from './run-session.js';
import { sampleTextLine, type ChannelNormalization, type TextLineCrop } from './sample-text-line.js';

export interface Recognizer {
  model: OnnxModel;
  /** Text of each output class; index 0 is the CTC blank. */
  characters: readonly string[];
  imageHeight: number;
  /** Narrower batches are padded to this width (PaddleOCR pads to 320; the SVTR recogniser reads unpadded lines as well). */
  minWidth: number;
  batchSize: number;
  normalization: ChannelNormalization;
}

/**
 * Widest line over narrowest within one batch. Padding is paid in full on CPU while batching gains
 * only ~1.3× (measured with this recogniser on 2 cores: 65 lines/s alone, 84 in fours), so only
 * lines within 30% of each other's width share a batch.
 */
const MAX_BATCH_SPREAD = 1.3;
/** Longer lines are squeezed to this width, bounding one tensor (a 4096 px line at 48 px high is ~85 characters). */
const MAX_WIDTH = 4096;

export async function recognizeTextLines(recognizer: Recognizer, crops: readonly TextLineCrop[], tally?: InferenceTally): Promise<DecodedLine[]> {
  const { imageHeight: height, characters } = recognizer;
  const lines: DecodedLine[] = new Array<DecodedLine>(crops.length);
  for (const batch of batchByAspect(crops.map((crop) => crop.aspect), recognizer.batchSize, MAX_BATCH_SPREAD)) {
    const widest = Math.max(...batch.map((index) => Math.ceil(height * crops[index]!.aspect)));
    // The recogniser emits one step per 8 columns; a multiple of 8 wastes no partial step.
    const width = Math.min(MAX_WIDTH, Math.max(recognizer.minWidth, Math.ceil(widest / 8) * 8));
    const item = 3 * height * width;
    const data = new Float32Array(batch.length * item);
    batch.forEach((index, position) => {
      const crop = crops[index]!;
      const lineWidth = Math.max(1, Math.min(width, Math.ceil(height * crop.aspect)));
      sampleTextLine(crop.image, crop.quad, lineWidth, { data, offset: position * item, width, height }, recognizer.normalization);
    });
    const output = await runSession(recognizer.model, data, [batch.length, 3, height, width], tally);
    const [count, steps, classes] = output.dims;
    if (output.type !== 'float32' || output.dims.length !== 3 || count !== batch.length || classes !== characters.length || steps === undefined) {
      throw new ModaError('MODEL_INFERENCE_FAILED', `the recogniser answered a ${output.type} tensor [${output.dims.join(', ')}]; expected float32 [${batch.length}, steps, ${characters.length}]`);
    }
    const probabilities = output.data as Float32Array;
    batch.forEach((index, position) => {
      lines[index] = ctcGreedyDecode(probabilities, position * steps * classes, steps, classes, characters);
    });
  }
  return lines;
}
