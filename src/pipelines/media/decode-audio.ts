// Turns any accepted audio value (bytes, base64, a data: URI) into mono float samples at 16 kHz.
// Only RIFF/WAVE is read, here and without native code: PCM 8/16/24/32-bit, IEEE float 32/64,
// A-law/µ-law and WAVE_FORMAT_EXTENSIBLE; other containers are named in a clear refusal.
import { endianness } from 'node:os';
import { ModaError } from '../../errors/moda-error.js';
import type { AudioSource } from '../../tasks/values.js';

export interface DecodedAudio {
  /** Mono samples in [-1, 1] at `sampleRate`. */
  samples: Float32Array;
  sampleRate: number;
  durationSeconds: number;
}

export interface AudioDecodeOptions {
  /** Longest audio accepted; longer is INPUT_TOO_LONG. Default one hour. */
  maxSeconds?: number;
  /** Largest encoded file accepted. Default 1 GiB. */
  maxBytes?: number;
  /** Rate of the returned samples. Default 16000. */
  sampleRate?: number;
}

/** A WAV file's audio mixed to mono, at the file's own rate. */
export interface WavAudio extends DecodedAudio {
  channels: number;
}

export const DEFAULT_MAX_AUDIO_SECONDS = 3600;
const DEFAULT_MAX_BYTES = 1024 ** 3;
const TARGET_RATE = 16000;
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;
const CONVERT_HINT = 'convert it to WAV first, e.g. `ffmpeg -i input -ar 16000 -ac 1 output.wav`';

/** The encoded bytes behind an audio value. */
export function audioBytes(source: AudioSource, maxBytes = DEFAULT_MAX_BYTES): Buffer {
  if (source instanceof Uint8Array) {
    if (source.byteLength > maxBytes) throw new ModaError('INPUT_TOO_LONG', `the audio file is larger than ${maxBytes} bytes`);
    return Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  }
  if (typeof source !== 'string' || source.length === 0) throw new ModaError('AUDIO_DECODE_FAILED', 'the audio is empty');
  let base64 = source;
  if (source.startsWith('data:')) {
    const comma = source.indexOf(',');
    if (comma < 0 || !/;base64$/i.test(source.slice(0, comma))) throw new ModaError('AUDIO_DECODE_FAILED', 'a data: URI audio must be base64-encoded');
    base64 = source.slice(comma + 1);
  }
  if (!BASE64.test(base64.slice(0, 4096)) || !BASE64.test(base64.slice(-4096))) {
    throw new ModaError('AUDIO_DECODE_FAILED', 'the audio must be bytes, base64 or a base64 data: URI of a WAV file');
  }
  if ((base64.length * 3) / 4 > maxBytes) throw new ModaError('INPUT_TOO_LONG', `the audio file is larger than ${maxBytes} bytes`);
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) throw new ModaError('AUDIO_DECODE_FAILED', 'the audio is empty');
  return bytes;
}

const ascii = (bytes: Buffer, offset: number, length = 4) => bytes.toString('latin1', offset, Math.min(bytes.length, offset + length));

/** Names a container that is not RIFF/WAVE, from its magic bytes. */
function sniffContainer(bytes: Buffer): string | undefined {
  const head = ascii(bytes, 0);
  const byte0 = bytes[0] ?? 0;
  const byte1 = bytes[1] ?? 0;
  if (head.startsWith('ID3')) return 'MP3';
  if (byte0 === 0xff && (byte1 & 0xf6) === 0xf0) return 'AAC (ADTS)';
  if (byte0 === 0xff && (byte1 & 0xe0) === 0xe0) return 'MP3';
  if (head === 'OggS') return 'Ogg (Vorbis/Opus)';
  if (head === 'fLaC') return 'FLAC';
  if (ascii(bytes, 4) === 'ftyp') return 'MP4/M4A';
  if (byte0 === 0x1a && byte1 === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) return 'WebM/Matroska';
  if (head === 'FORM') return 'AIFF';
  if (head === '#!AM') return 'AMR';
  if (head === 'caff') return 'CAF';
  if (head === '.snd') return 'Sun AU';
  if (head === 'RIFX') return 'big-endian WAV (RIFX)';
  if (head === 'RF64' || head === 'BW64') return 'RF64 WAV';
  if (head === 'RIFF' && bytes.length >= 12 && ascii(bytes, 8) !== 'WAVE') return `RIFF ${ascii(bytes, 8).trim()}`;
  return undefined;
}

/** WAVE format tags Moda does not decode, for the error message. */
const COMPRESSED_FORMATS: Record<number, string> = {
  0x0002: 'MS ADPCM',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0050: 'MPEG',
  0x0055: 'MP3',
  0x00ff: 'AAC',
  0x0161: 'WMA',
  0x2000: 'AC-3',
  0xf1ac: 'FLAC',
};

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_ALAW = 6;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;
/** Bytes 2..16 of every KSDATAFORMAT_SUBTYPE_* GUID; bytes 0..2 hold the plain format tag. */
const SUBTYPE_GUID_TAIL = Buffer.from([0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71]);
/** Data sizes streaming writers (espeak-ng --stdout, sox and ffmpeg to a pipe) leave unpatched. */
const isPlaceholderSize = (size: number) => size === 0 || size >= 0x7fff0000;

interface WavFormat {
  format: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  /** Bytes per sample of one channel. */
  container: number;
}

function truncated(what: string): ModaError {
  return new ModaError('AUDIO_DECODE_FAILED', `the WAV file is truncated or corrupt: ${what}`);
}

function parseFormat(bytes: Buffer, body: number, size: number): WavFormat {
  if (size < 16) throw truncated(`its fmt chunk has ${size} bytes, fewer than 16`);
  let format = bytes.readUInt16LE(body);
  const channels = bytes.readUInt16LE(body + 2);
  const sampleRate = bytes.readUInt32LE(body + 4);
  const blockAlign = bytes.readUInt16LE(body + 12);
  if (format === FORMAT_EXTENSIBLE) {
    if (size < 40) throw truncated('its WAVE_FORMAT_EXTENSIBLE fmt chunk is shorter than 40 bytes');
    if (!bytes.subarray(body + 26, body + 40).equals(SUBTYPE_GUID_TAIL)) {
      throw new ModaError('AUDIO_FORMAT_UNSUPPORTED', `the WAV file uses a WAVE_FORMAT_EXTENSIBLE sub-format Moda cannot decode; ${CONVERT_HINT}`);
    }
    format = bytes.readUInt16LE(body + 24);
  }
  const known = [FORMAT_PCM, FORMAT_FLOAT, FORMAT_ALAW, FORMAT_MULAW];
  if (!known.includes(format)) {
    const name = COMPRESSED_FORMATS[format] ?? `format tag 0x${format.toString(16).padStart(4, '0')}`;
    throw new ModaError('AUDIO_FORMAT_UNSUPPORTED', `the WAV file holds ${name} audio; Moda reads PCM, float, A-law and µ-law WAV — ${CONVERT_HINT}`);
  }
  if (channels < 1 || channels > 64) throw truncated(`it claims ${channels} channels`);
  if (sampleRate < 1000 || sampleRate > 768000) throw truncated(`it claims a sample rate of ${sampleRate} Hz`);
  const container = blockAlign / channels;
  const containers = format === FORMAT_PCM ? [1, 2, 3, 4] : format === FORMAT_FLOAT ? [4, 8] : [1];
  if (!Number.isInteger(container) || !containers.includes(container)) {
    throw new ModaError('AUDIO_FORMAT_UNSUPPORTED', `the WAV file has ${blockAlign}-byte frames for ${channels} channel(s), which Moda cannot decode; ${CONVERT_HINT}`);
  }
  return { format, channels, sampleRate, blockAlign, container };
}

/** Finds the fmt and data chunks; the data chunk of a streamed file runs to the end of the bytes. */
function findChunks(bytes: Buffer): { format: WavFormat; dataOffset: number; dataSize: number } {
  const riffSize = bytes.readUInt32LE(4);
  let format: WavFormat | undefined;
  let data: { offset: number; size: number } | undefined;
  let position = 12;
  while (position + 8 <= bytes.length && !(format && data)) {
    const id = ascii(bytes, position);
    let size = bytes.readUInt32LE(position + 4);
    const body = position + 8;
    const available = bytes.length - body;
    if (id === 'fmt ') {
      if (size > available) throw truncated('the file ends inside its fmt chunk');
      format = parseFormat(bytes, body, size);
    } else if (id === 'data') {
      if (size > available || (size === 0 && available > 0 && isPlaceholderSize(riffSize))) {
        if (!isPlaceholderSize(size)) throw truncated(`its data chunk declares ${size} bytes but only ${available} follow`);
        size = available;
      }
      data = { offset: body, size };
    }
    position = body + size + (size & 1);
  }
  if (!format) throw truncated('it has no complete fmt chunk');
  if (!data) throw truncated('it has no data chunk');
  return { format, dataOffset: data.offset, dataSize: data.size };
}

let alawTable: Float32Array | undefined;
let mulawTable: Float32Array | undefined;

/** G.711 expansion tables, normalised to [-1, 1]. */
function companding(format: number): Float32Array {
  if (format === FORMAT_ALAW) {
    alawTable ??= Float32Array.from({ length: 256 }, (_, code) => {
      const value = code ^ 0x55;
      const exponent = (value & 0x70) >> 4;
      let magnitude = ((value & 0x0f) << 4) + 8;
      if (exponent > 0) magnitude = (magnitude + 0x100) << (exponent - 1);
      return ((value & 0x80) !== 0 ? magnitude : -magnitude) / 32768;
    });
    return alawTable;
  }
  mulawTable ??= Float32Array.from({ length: 256 }, (_, code) => {
    const value = ~code & 0xff;
    const exponent = (value & 0x70) >> 4;
    const magnitude = ((((value & 0x0f) << 3) + 0x84) << exponent) - 0x84;
    return ((value & 0x80) !== 0 ? -magnitude : magnitude) / 32768;
  });
  return mulawTable;
}

/** Averages the channels of interleaved `values`, each mapped by (value + bias) · scale; non-finite → 0. */
function mixDown(values: ArrayLike<number>, frames: number, channels: number, scale: number, bias = 0): Float32Array {
  const mono = new Float32Array(frames);
  const factor = scale / channels;
  for (let frame = 0, index = 0; frame < frames; frame++) {
    let sum = 0;
    for (let channel = 0; channel < channels; channel++, index++) sum += values[index]! + bias;
    mono[frame] = Number.isFinite(sum) ? sum * factor : 0;
  }
  return mono;
}

const BIG_ENDIAN_HOST = endianness() === 'BE';

/** `data` as an aligned little-endian copy when typed-array views need one. */
function alignedBytes(data: Buffer, container: number): Uint8Array {
  if (data.byteOffset % container === 0 && !BIG_ENDIAN_HOST) return data;
  const copy = Buffer.from(data);
  if (BIG_ENDIAN_HOST && container === 2) copy.swap16();
  else if (BIG_ENDIAN_HOST && container === 4) copy.swap32();
  else if (BIG_ENDIAN_HOST && container === 8) copy.swap64();
  return copy;
}

/** The samples of `data` mixed to mono as floats in [-1, 1]: typed-array views, no per-sample calls. */
function decodeSamples(data: Buffer, format: WavFormat, frames: number): Float32Array {
  const { channels, container } = format;
  const count = frames * channels;
  if (format.format === FORMAT_ALAW || format.format === FORMAT_MULAW) {
    const table = companding(format.format);
    const mono = new Float32Array(frames);
    for (let frame = 0, index = 0; frame < frames; frame++) {
      let sum = 0;
      for (let channel = 0; channel < channels; channel++, index++) sum += table[data[index]!]!;
      mono[frame] = sum / channels;
    }
    return mono;
  }
  if (format.format === FORMAT_FLOAT) {
    const bytes = alignedBytes(data.subarray(0, count * container), container);
    const values = container === 4 ? new Float32Array(bytes.buffer, bytes.byteOffset, count) : new Float64Array(bytes.buffer, bytes.byteOffset, count);
    return mixDown(values, frames, channels, 1);
  }
  // PCM: 8-bit is unsigned, wider is signed; samples narrower than their container are left-aligned.
  if (container === 1) return mixDown(data.subarray(0, count), frames, channels, 1 / 128, -128);
  if (container === 3) {
    const mono = new Float32Array(frames);
    for (let frame = 0, offset = 0; frame < frames; frame++) {
      let sum = 0;
      for (let channel = 0; channel < channels; channel++, offset += 3) sum += ((data[offset]! << 8) | (data[offset + 1]! << 16) | (data[offset + 2]! << 24)) >> 8;
      mono[frame] = sum / (8388608 * channels);
    }
    return mono;
  }
  const bytes = alignedBytes(data.subarray(0, count * container), container);
  return container === 2
    ? mixDown(new Int16Array(bytes.buffer, bytes.byteOffset, count), frames, channels, 1 / 32768)
    : mixDown(new Int32Array(bytes.buffer, bytes.byteOffset, count), frames, channels, 1 / 2147483648);
}

/** What a WAV file's header promises, read without decoding a sample. */
export interface WavShape {
  frames: number;
  sampleRate: number;
  channels: number;
}

/** The shape of a WAV file from its header, to judge its decoded size before decoding it. */
export function readWavShape(bytes: Buffer): WavShape {
  checkRiff(bytes);
  const { format, dataSize } = findChunks(bytes);
  return { frames: Math.floor(dataSize / format.blockAlign), sampleRate: format.sampleRate, channels: format.channels };
}

function checkRiff(bytes: Buffer): void {
  if (bytes.length < 12 || ascii(bytes, 0) !== 'RIFF' || ascii(bytes, 8) !== 'WAVE') {
    const container = sniffContainer(bytes);
    if (container) throw new ModaError('AUDIO_FORMAT_UNSUPPORTED', `the audio is ${container}; Moda reads WAV only — ${CONVERT_HINT}`);
    if (bytes.length < 12 && bytes.length >= 4 && ascii(bytes, 0) === 'RIFF') throw truncated(`it is only ${bytes.length} bytes long`);
    throw new ModaError('AUDIO_FORMAT_UNSUPPORTED', `the audio is not a WAV file (it starts with bytes ${bytes.subarray(0, 8).toString('hex') || 'nothing'}); ${CONVERT_HINT}`);
  }
}

/** Parses a RIFF/WAVE file and mixes its channels to mono, at the file's own sample rate. */
export function readWav(bytes: Buffer, options: { maxSeconds?: number } = {}): WavAudio {
  checkRiff(bytes);
  const { format, dataOffset, dataSize } = findChunks(bytes);
  const frames = Math.floor(dataSize / format.blockAlign);
  const durationSeconds = frames / format.sampleRate;
  const maxSeconds = options.maxSeconds ?? DEFAULT_MAX_AUDIO_SECONDS;
  if (durationSeconds > maxSeconds) {
    throw new ModaError('INPUT_TOO_LONG', `the audio lasts ${durationSeconds.toFixed(1)} s, longer than the ${maxSeconds} s allowed`);
  }
  const samples = decodeSamples(bytes.subarray(dataOffset, dataOffset + frames * format.blockAlign), format, frames);
  return { samples, sampleRate: format.sampleRate, channels: format.channels, durationSeconds };
}

/** Zero crossings of the sinc on each side; 12 keeps the stopband under about -70 dB. */
const ZERO_CROSSINGS = 12;
const KAISER_BETA = 8;
/** Passband edge as a share of the lower Nyquist frequency. */
const ROLLOFF = 0.94;
/** Phases beyond this are rounded to the nearest of this many (an error under 1/2048 sample). */
const MAX_PHASES = 1024;

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50 && term > sum * 1e-12; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
  }
  return sum;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Band-limited resampling by a Kaiser-windowed sinc, as a polyphase filter bank: rates are integers,
 * so output sample n sits at input position n·down/up and needs one of `up` precomputed phases.
 */
export function resample(input: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return input;
  const divisor = gcd(fromRate, toRate);
  const up = toRate / divisor;
  const down = fromRate / divisor;
  const outputLength = Math.floor((input.length * up + down - 1) / down);
  const cutoff = Math.min(1, up / down) * ROLLOFF;
  const halfWidth = ZERO_CROSSINGS / cutoff;
  const reach = Math.ceil(halfWidth);
  const taps = 2 * reach;
  const phases = Math.min(up, MAX_PHASES);
  const bank = new Float64Array(phases * taps);
  const windowNorm = besselI0(KAISER_BETA);
  for (let phase = 0; phase < phases; phase++) {
    const fraction = phase / phases;
    let sum = 0;
    for (let tap = 0; tap < taps; tap++) {
      // Tap t multiplies input sample i0 - reach + 1 + t, at distance `fraction + reach - 1 - t`.
      const distance = fraction + reach - 1 - tap;
      const ratio = distance / halfWidth;
      if (Math.abs(ratio) >= 1) continue;
      const x = Math.PI * cutoff * distance;
      const sinc = x === 0 ? 1 : Math.sin(x) / x;
      const value = sinc * (besselI0(KAISER_BETA * Math.sqrt(1 - ratio * ratio)) / windowNorm);
      bank[phase * taps + tap] = value;
      sum += value;
    }
    // Unity gain at DC for every phase, so silence stays silence and levels do not ripple.
    for (let tap = 0; tap < taps; tap++) bank[phase * taps + tap]! /= sum;
  }
  const output = new Float32Array(outputLength);
  const last = input.length;
  // Output n sits at input position n·down/up = origin + remainder/up; both advance by integers.
  let origin = 0;
  let remainder = 0;
  for (let n = 0; n < outputLength; n++) {
    let phase = remainder;
    let first = origin - reach + 1;
    if (phases !== up) {
      phase = Math.round((remainder * phases) / up);
      if (phase === phases) {
        phase = 0;
        first += 1;
      }
    }
    const base = phase * taps;
    let acc = 0;
    if (first >= 0 && first + taps <= last) {
      for (let tap = 0; tap < taps; tap++) acc += input[first + tap]! * bank[base + tap]!;
    } else {
      for (let tap = Math.max(0, -first); tap < taps && first + tap < last; tap++) acc += input[first + tap]! * bank[base + tap]!;
    }
    output[n] = acc;
    remainder += down;
    if (remainder >= up) {
      const steps = Math.floor(remainder / up);
      origin += steps;
      remainder -= steps * up;
    }
  }
  return output;
}

/** Decodes a WAV value to mono float samples at 16 kHz (or `options.sampleRate`). */
export function decodeAudio(source: AudioSource, options: AudioDecodeOptions = {}): DecodedAudio {
  const wav = readWav(audioBytes(source, options.maxBytes), options);
  const sampleRate = options.sampleRate ?? TARGET_RATE;
  const samples = resample(wav.samples, wav.sampleRate, sampleRate);
  return { samples, sampleRate, durationSeconds: samples.length / sampleRate };
}

/** A mono 16-bit PCM WAV file of `samples` (clipped to [-1, 1]). */
export function encodeWav(samples: Float32Array, sampleRate: number): Buffer {
  const dataSize = samples.length * 2;
  const wav = Buffer.alloc(44 + dataSize);
  wav.write('RIFF', 0, 'latin1');
  wav.writeUInt32LE(36 + dataSize, 4);
  wav.write('WAVEfmt ', 8, 'latin1');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(FORMAT_PCM, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(sampleRate, 24);
  wav.writeUInt32LE(sampleRate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'latin1');
  wav.writeUInt32LE(dataSize, 40);
  for (let index = 0; index < samples.length; index++) {
    const value = Math.max(-1, Math.min(1, samples[index]!));
    wav.writeInt16LE(Math.round(value < 0 ? value * 32768 : value * 32767), 44 + index * 2);
  }
  return wav;
}
