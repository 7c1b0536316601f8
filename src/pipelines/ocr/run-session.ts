// Runs one of the three PP-OCR networks (each has one input and one output) on a float tensor,
// adding the time spent inside ONNX Runtime to an optional tally, so a benchmark can tell model
// time from Moda's own pre- and post-processing.
import { OnnxTensor, type OnnxModel } from '../../runtime/engines/onnx-engine.js';

export interface InferenceTally {
  /** Milliseconds spent in session.run, summed. */
  inferenceMs: number;
}

export async function runSession(model: OnnxModel, data: Float32Array, dims: readonly number[], tally?: InferenceTally): Promise<OnnxTensor> {
  const started = performance.now();
  const outputs = await model.run({ [model.inputNames[0] ?? 'x']: new OnnxTensor('float32', data, dims) });
  if (tally) tally.inferenceMs += performance.now() - started;
  return outputs[model.outputNames[0] ?? ''] as OnnxTensor;
}
