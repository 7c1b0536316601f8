// Audio in the browser for the audio tasks: microphone capture through Web Audio, and any audio the
// browser decodes turned into the 16 kHz mono WAV the server reads. Capture takes raw samples from
// an AudioWorklet rather than MediaRecorder, whose compressed WebM/Opus would need decoding again.
import captureWorkletUrl from './capture-worklet.js?url&no-inline';
import { encodeWav, isWav, joinChunks, levelDb, mixToMono, TARGET_SAMPLE_RATE } from './wav-encoding.js';

/** Mono samples at `fromRate` resampled to 16 kHz by the browser's own (band-limited) resampler. */
async function resampleTo16k(samples: Float32Array<ArrayBuffer>, fromRate: number): Promise<Float32Array<ArrayBuffer>> {
  if (fromRate === TARGET_SAMPLE_RATE || samples.length === 0) return samples;
  const length = Math.max(1, Math.round((samples.length * TARGET_SAMPLE_RATE) / fromRate));
  const offline = new OfflineAudioContext(1, length, TARGET_SAMPLE_RATE);
  const buffer = offline.createBuffer(1, samples.length, fromRate);
  buffer.copyToChannel(samples, 0);
  const source = offline.createBufferSource();
  source.buffer = buffer;
  source.connect(offline.destination);
  source.start();
  return (await offline.startRendering()).getChannelData(0);
}

export interface PreparedAudio {
  blob: Blob;
  /** Length in seconds when the browser measured it (recordings and converted files). */
  seconds: number | undefined;
  converted: boolean;
}

/** A WAV file goes as it is (the server reads every WAV sample format); anything else the browser decodes becomes a 16 kHz mono WAV. */
export async function prepareAudioFile(file: File): Promise<PreparedAudio> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (isWav(bytes)) return { blob: new Blob([bytes], { type: 'audio/wav' }), seconds: undefined, converted: false };
  const context = new OfflineAudioContext(1, 1, TARGET_SAMPLE_RATE);
  const decoded = await context.decodeAudioData(bytes.buffer.slice(0));
  const channels = Array.from({ length: decoded.numberOfChannels }, (_, index) => decoded.getChannelData(index));
  const samples = await resampleTo16k(mixToMono(channels), decoded.sampleRate);
  return { blob: new Blob([encodeWav(samples, TARGET_SAMPLE_RATE)], { type: 'audio/wav' }), seconds: samples.length / TARGET_SAMPLE_RATE, converted: true };
}

export interface Recording {
  /** Stops capture and gives the recording as a 16 kHz mono WAV. */
  stop(): Promise<PreparedAudio>;
  /** Stops capture and drops what was recorded. */
  cancel(): void;
}

export function microphoneAvailable(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getUserMedia === 'function' && typeof AudioWorkletNode !== 'undefined';
}

/** Starts recording from the default microphone; `onLevel` gets the level (dBFS) of each block. */
export async function startRecording(onLevel: (db: number, seconds: number) => void): Promise<Recording> {
  // Processing off: echo cancellation and noise suppression distort what speech models hear.
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
  const context = new AudioContext();
  const release = () => {
    stream.getTracks().forEach((track) => track.stop());
    void context.close();
  };
  const chunks: Float32Array[] = [];
  let frames = 0;
  let node: AudioWorkletNode;
  try {
    await context.audioWorklet.addModule(captureWorkletUrl);
    node = new AudioWorkletNode(context, 'moda-capture', { numberOfOutputs: 0 });
    node.port.onmessage = (event: MessageEvent<Float32Array>) => {
      chunks.push(event.data);
      frames += event.data.length;
      onLevel(levelDb(event.data), frames / context.sampleRate);
    };
    context.createMediaStreamSource(stream).connect(node);
    if (context.state === 'suspended') await context.resume();
  } catch (error) {
    release();
    throw error;
  }
  return {
    async stop() {
      const rate = context.sampleRate;
      node.port.onmessage = null;
      release();
      const samples = await resampleTo16k(joinChunks(chunks), rate);
      return { blob: new Blob([encodeWav(samples, TARGET_SAMPLE_RATE)], { type: 'audio/wav' }), seconds: samples.length / TARGET_SAMPLE_RATE, converted: true };
    },
    cancel() {
      node.port.onmessage = null;
      release();
    },
  };
}
