// Silero VAD: a small stateful ONNX model that gives the probability of speech in each 32 ms frame
// of 16 kHz audio, carrying an LSTM state from frame to frame. Both published signatures are
// driven: v4 (input, sr, h, c → output, hn, cn) and v5 (input, state, sr → output, stateN, with
// 64 samples of the previous frame prepended). A batch runs as one model batch, frame by frame.
import { ModaError } from '../../errors/moda-error.js';
import { loadOnnxModel, OnnxTensor, type OnnxModel } from '../../runtime/engines/onnx-engine.js';
import { snapshotFile } from '../../runtime/model-snapshot.js';
import type { AudioSource } from '../../tasks/values.js';
import { decodeAudio, DEFAULT_MAX_AUDIO_SECONDS } from '../media/decode-audio.js';
import type { PipelineImplementation, RunContext } from '../pipeline-implementation.js';
import { configurationSettings } from '../text/configuration-settings.js';
import { speechSegments, type SegmentationSettings } from './speech-segments.js';

const SAMPLE_RATE = 16000;
const MAX_MODEL_BYTES = 64 * 1024 * 1024;
/** v5 sees the last 64 samples of the previous frame in front of each 512-sample frame (at 16 kHz). */
const V5_CONTEXT = 64;
/** Frames between checks of the abort signal. */
const ABORT_CHECK_FRAMES = 256;

interface StateLayout {
  /** State tensors fed back each frame: input name → output name, with their shape for batch 1. */
  states: { input: string; output: string; dims: [number, number, number] }[];
  context: number;
}

function stateLayout(model: OnnxModel): StateLayout {
  const inputs = new Set(model.inputNames);
  const outputs = new Set(model.outputNames);
  const has = (names: string[], set: Set<string>) => names.every((name) => set.has(name));
  if (has(['input', 'sr', 'h', 'c'], inputs) && has(['output', 'hn', 'cn'], outputs)) {
    return {
      states: [
        { input: 'h', output: 'hn', dims: [2, 1, 64] },
        { input: 'c', output: 'cn', dims: [2, 1, 64] },
      ],
      context: 0,
    };
  }
  if (has(['input', 'sr', 'state'], inputs) && has(['output', 'stateN'], outputs)) {
    return { states: [{ input: 'state', output: 'stateN', dims: [2, 1, 128] }], context: V5_CONTEXT };
  }
  throw new ModaError(
    'MODEL_LOAD_FAILED',
    `the ONNX model has inputs [${model.inputNames.join(', ')}] and outputs [${model.outputNames.join(', ')}], not Silero VAD v4 (input, sr, h, c) or v5 (input, state, sr)`,
  );
}

/** Speech probability of every frame of every clip; clips run side by side as one batch. */
async function frameProbabilities(model: OnnxModel, layout: StateLayout, clips: readonly Float32Array[], frameSamples: number, signal?: AbortSignal): Promise<Float32Array[]> {
  const batch = clips.length;
  const frameCounts = clips.map((clip) => Math.ceil(clip.length / frameSamples));
  const frames = Math.max(0, ...frameCounts);
  const probabilities = frameCounts.map((count) => new Float32Array(count));
  const width = layout.context + frameSamples;
  const sampleRate = new OnnxTensor('int64', BigInt64Array.from([BigInt(SAMPLE_RATE)]), []);
  // Fresh zero state per call: every clip starts from silence, whatever ran before.
  const state: Record<string, OnnxTensor> = {};
  for (const { input, dims } of layout.states) {
    const shape = [dims[0], batch, dims[2]];
    state[input] = new OnnxTensor('float32', new Float32Array(shape[0]! * shape[1]! * shape[2]!), shape);
  }
  for (let frame = 0; frame < frames; frame++) {
    if (frame % ABORT_CHECK_FRAMES === 0) signal?.throwIfAborted();
    const data = new Float32Array(batch * width);
    const from = frame * frameSamples - layout.context;
    clips.forEach((clip, row) => {
      // Past a clip's end (or before its start, for the context) the frame holds zeros.
      const begin = Math.max(0, from);
      const end = Math.min(clip.length, from + width);
      if (end > begin) data.set(clip.subarray(begin, end), row * width + (begin - from));
    });
    const result = await model.run({ input: new OnnxTensor('float32', data, [batch, width]), sr: sampleRate, ...state });
    const output = result.output?.data;
    if (!(output instanceof Float32Array) || output.length < batch) throw new ModaError('MODEL_INFERENCE_FAILED', 'Silero VAD returned no speech probabilities');
    for (let row = 0; row < batch; row++) if (frame < frameCounts[row]!) probabilities[row]![frame] = output[row]!;
    for (const { input, output: name } of layout.states) {
      const next = result[name];
      if (!next) throw new ModaError('MODEL_INFERENCE_FAILED', `Silero VAD returned no ${name}`);
      state[input] = next;
    }
  }
  return probabilities;
}

export const sileroVadPipeline: PipelineImplementation = {
  type: 'silero-vad',
  tasks: ['voice-activity-detection'],
  engine: 'onnx',
  async load(snapshot, options) {
    const settings = configurationSettings(snapshot.configuration?.model, 'configuration.json model');
    const preprocessor = configurationSettings(snapshot.configuration?.preprocessor, 'configuration.json preprocessor');
    const file = await snapshotFile(snapshot, settings.string('file', 'silero_vad.onnx'), { maxBytes: MAX_MODEL_BYTES });
    const frameSamples = settings.number('frame_samples', 512, { min: 256, max: 4096, integer: true });
    const defaults: SegmentationSettings = {
      threshold: settings.number('threshold', 0.5, { min: 0, max: 1 }),
      minSpeechMs: settings.number('min_speech_ms', 250, { min: 0, max: 60000 }),
      minSilenceMs: settings.number('min_silence_ms', 100, { min: 0, max: 60000 }),
      speechPadMs: settings.number('speech_pad_ms', 30, { min: 0, max: 10000 }),
    };
    const rate = preprocessor.number('sampling_rate', SAMPLE_RATE, { min: SAMPLE_RATE, max: SAMPLE_RATE });
    const maxSeconds = preprocessor.number('max_seconds', DEFAULT_MAX_AUDIO_SECONDS, { min: 1, max: 24 * 3600 });
    const model = await loadOnnxModel(file, options);
    let layout: StateLayout;
    try {
      layout = stateLayout(model);
    } catch (error) {
      await model.dispose();
      throw error;
    }
    return {
      task: options.task,
      type: sileroVadPipeline.type,
      engine: 'onnx',
      memoryBytes: model.memoryBytes,
      async run(inputs, parameters, context: RunContext) {
        const segmentation: SegmentationSettings = {
          ...defaults,
          ...(typeof parameters.threshold === 'number' && { threshold: parameters.threshold }),
          ...(typeof parameters.min_speech_ms === 'number' && { minSpeechMs: parameters.min_speech_ms }),
          ...(typeof parameters.min_silence_ms === 'number' && { minSilenceMs: parameters.min_silence_ms }),
        };
        const clips = inputs.map((input) => decodeAudio(input as AudioSource, { maxSeconds, sampleRate: rate }).samples);
        const probabilities = await frameProbabilities(model, layout, clips, frameSamples, context.signal);
        return clips.map((clip, index) => speechSegments(probabilities[index]!, frameSamples, clip.length, rate, segmentation));
      },
      dispose: () => model.dispose(),
    };
  },
};
