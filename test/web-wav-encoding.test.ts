// The web UI's WAV writer (web/src/try-it/wav-encoding.ts), which turns microphone recordings and
// non-WAV uploads into what the server reads, checked against the server's own WAV decoder.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readWav } from '../src/pipelines/media/decode-audio.js';
import { encodeWav, isWav, joinChunks, levelDb, mixToMono, TARGET_SAMPLE_RATE } from '../web/src/try-it/wav-encoding.js';
import { sine } from './fixtures/audio.js';

void test('encodeWav writes 16-bit mono PCM that the server decodes back within half a quantisation step', () => {
  const tone = sine(440, 0.25, TARGET_SAMPLE_RATE, 0.8);
  const wav = Buffer.from(encodeWav(tone, TARGET_SAMPLE_RATE));
  assert.equal(wav.length, 44 + tone.length * 2);
  assert.ok(isWav(wav));
  const decoded = readWav(wav);
  assert.equal(decoded.sampleRate, TARGET_SAMPLE_RATE);
  assert.equal(decoded.channels, 1);
  assert.equal(decoded.samples.length, tone.length);
  for (let index = 0; index < tone.length; index++) assert.ok(Math.abs(decoded.samples[index]! - tone[index]!) <= 0.5 / 32768 + 1e-7, `sample ${index}`);
});

void test('encodeWav clips samples outside [-1, 1] instead of wrapping them', () => {
  const decoded = readWav(Buffer.from(encodeWav(Float32Array.from([1.5, -2, 0.5, -0.5]), 8000)));
  assert.ok(Math.abs(decoded.samples[0]! - 1) < 1e-4);
  assert.ok(Math.abs(decoded.samples[1]! + 1) < 1e-4);
  assert.ok(Math.abs(decoded.samples[2]! - 0.5) < 1e-4);
  assert.ok(Math.abs(decoded.samples[3]! + 0.5) < 1e-4);
  assert.equal(readWav(Buffer.from(encodeWav(new Float32Array(0), 16000))).samples.length, 0, 'an empty recording is still a valid WAV');
});

void test('mixToMono averages channels; joinChunks keeps order; levelDb measures RMS in dBFS', () => {
  assert.deepEqual([...mixToMono([Float32Array.from([1, 0.5]), Float32Array.from([0, -0.5])])], [0.5, 0]);
  assert.deepEqual([...joinChunks([Float32Array.from([1, 2]), new Float32Array(0), Float32Array.from([3])])], [1, 2, 3]);
  assert.equal(levelDb(new Float32Array(128)), -100);
  assert.ok(Math.abs(levelDb(new Float32Array(128).fill(0.5)) - 20 * Math.log10(0.5)) < 1e-9);
  assert.ok(!isWav(new TextEncoder().encode('ID3\x04 not a wav')));
});
