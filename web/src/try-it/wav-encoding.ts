// WAV writing in the browser: the server decodes only RIFF/WAVE, so recordings and audio files in
// other containers are turned into 16-bit PCM mono WAV here. Pure functions (no DOM), so the
// server's own decoder can check them in a Node test.

/** The rate every audio pipeline works at; sending it avoids a second resampling on the server. */
export const TARGET_SAMPLE_RATE = 16000;

/** Channels averaged into one. */
export function mixToMono(channels: readonly Float32Array<ArrayBuffer>[]): Float32Array<ArrayBuffer> {
  const first = channels[0];
  if (!first) return new Float32Array(0);
  if (channels.length === 1) return first;
  const mono = new Float32Array(first.length);
  for (const channel of channels) for (let index = 0; index < mono.length; index++) mono[index]! += (channel[index] ?? 0) / channels.length;
  return mono;
}

/** Chunks (as a recorder hands them over) joined into one array. */
export function joinChunks(chunks: readonly Float32Array[]): Float32Array<ArrayBuffer> {
  const joined = new Float32Array(chunks.reduce((length, chunk) => length + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}

/** A mono 16-bit PCM WAV file of `samples` (in [-1, 1]; louder is clipped). */
export function encodeWav(samples: Float32Array, sampleRate: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(44 + samples.length * 2);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string) => {
    for (let index = 0; index < text.length; index++) view.setUint8(offset + index, text.charCodeAt(index));
  };
  ascii(0, 'RIFF');
  view.setUint32(4, bytes.length - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, samples.length * 2, true);
  for (let index = 0; index < samples.length; index++) {
    // Scaled by 32768 as decoders divide by it, so a sample comes back within half a step.
    view.setInt16(44 + index * 2, Math.max(-32768, Math.min(32767, Math.round(samples[index]! * 32768))), true);
  }
  return bytes;
}

/** Root-mean-square level of a block in dBFS (silence: -100), for a recording level meter. */
export function levelDb(samples: Float32Array): number {
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  const rms = Math.sqrt(sum / Math.max(1, samples.length));
  return rms > 0 ? Math.max(-100, 20 * Math.log10(rms)) : -100;
}

/** True when the bytes start like a RIFF/WAVE file, which the server reads as it is. */
export function isWav(head: Uint8Array): boolean {
  const text = String.fromCharCode(...head.subarray(0, 12));
  return text.startsWith('RIFF') && text.slice(8, 12) === 'WAVE';
}
