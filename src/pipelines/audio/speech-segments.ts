// Turns per-frame speech probabilities into speech segments, as Silero's `get_speech_timestamps`
// does: enter speech at `threshold`, leave it only below `threshold - 0.15` held for
// `min_silence_ms`, drop segments shorter than `min_speech_ms`, then pad each side.

export interface SegmentationSettings {
  /** Probability at which a frame starts speech. */
  threshold: number;
  minSpeechMs: number;
  minSilenceMs: number;
  speechPadMs: number;
}

export interface SpeechSegments {
  /** Seconds, rounded to milliseconds. */
  segments: { start: number; end: number }[];
  /** Share of the audio inside a segment. */
  speech_ratio: number;
}

/** Hysteresis gap below `threshold` that ends speech (Silero's default). */
const EXIT_GAP = 0.15;

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;

/** `probabilities[i]` covers samples [i·frameSamples, (i+1)·frameSamples) of `totalSamples`. */
export function speechSegments(probabilities: Float32Array, frameSamples: number, totalSamples: number, sampleRate: number, settings: SegmentationSettings): SpeechSegments {
  const toSamples = (ms: number) => (sampleRate * ms) / 1000;
  const minSpeech = toSamples(settings.minSpeechMs);
  const minSilence = toSamples(settings.minSilenceMs);
  const pad = Math.floor(toSamples(settings.speechPadMs));
  const exitThreshold = Math.max(settings.threshold - EXIT_GAP, 0.01);

  const found: { start: number; end: number }[] = [];
  let inSpeech = false;
  let start = 0;
  let silenceStart = 0;
  for (let frame = 0; frame < probabilities.length; frame++) {
    const probability = probabilities[frame]!;
    const position = frame * frameSamples;
    if (probability >= settings.threshold) {
      silenceStart = 0;
      if (!inSpeech) {
        inSpeech = true;
        start = position;
      }
    } else if (probability < exitThreshold && inSpeech) {
      if (silenceStart === 0) silenceStart = position;
      if (position - silenceStart < minSilence) continue;
      if (silenceStart - start > minSpeech) found.push({ start, end: silenceStart });
      inSpeech = false;
      silenceStart = 0;
    }
  }
  if (inSpeech && totalSamples - start > minSpeech) found.push({ start, end: totalSamples });

  // Pad each segment by up to `pad`, sharing the silence between two close segments.
  for (let index = 0; index < found.length; index++) {
    const segment = found[index]!;
    const next = found[index + 1];
    if (index === 0) segment.start = Math.max(0, segment.start - pad);
    if (!next) {
      segment.end = Math.min(totalSamples, segment.end + pad);
      continue;
    }
    const silence = next.start - segment.end;
    if (silence < 2 * pad) {
      segment.end += Math.floor(silence / 2);
      next.start = Math.max(0, next.start - Math.floor(silence / 2));
    } else {
      segment.end = Math.min(totalSamples, segment.end + pad);
      next.start = Math.max(0, next.start - pad);
    }
  }

  const speechSamples = found.reduce((total, segment) => total + segment.end - segment.start, 0);
  return {
    segments: found.map((segment) => ({ start: round(segment.start / sampleRate, 3), end: round(segment.end / sampleRate, 3) })),
    speech_ratio: totalSamples > 0 ? round(Math.min(1, speechSamples / totalSamples), 4) : 0,
  };
}
