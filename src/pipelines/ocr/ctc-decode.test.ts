// Greedy CTC decoding: repeats collapse, blanks drop and separate repeats, the score is the mean
// probability kept; a softmax output (read with an early stop) and raw logits read the same.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ctcGreedyDecode } from './ctc-decode.js';

const CHARACTERS = ['', 'a', 'b', 'c', 'd'];

/** A [1, steps, classes] tensor whose step i favours class `path[i]` with logit `strength` (the others in [-noise, noise]). */
function logits(path: readonly number[], strength = 6, noise = 1): Float32Array {
  const data = new Float32Array(path.length * CHARACTERS.length);
  path.forEach((best, step) => {
    for (let c = 0; c < CHARACTERS.length; c++) data[step * CHARACTERS.length + c] = c === best ? strength : noise * Math.sin(step + c);
  });
  return data;
}

function softmax(data: Float32Array): Float32Array {
  const out = new Float32Array(data.length);
  for (let start = 0; start < data.length; start += CHARACTERS.length) {
    const row = data.subarray(start, start + CHARACTERS.length);
    const max = Math.max(...row);
    const total = row.reduce((sum, value) => sum + Math.exp(value - max), 0);
    row.forEach((value, c) => (out[start + c] = Math.exp(value - max) / total));
  }
  return out;
}

void test('repeats collapse, blanks drop and keep real repeats apart; the score is the mean kept probability', () => {
  const path = [0, 1, 1, 0, 1, 2, 2, 2, 0, 0, 4, 3];
  const probabilities = softmax(logits(path));
  const decoded = ctcGreedyDecode(probabilities, 0, path.length, CHARACTERS.length, CHARACTERS);
  assert.equal(decoded.text, 'aabdc');
  const keptSteps = [1, 4, 5, 10, 11];
  const expected = keptSteps.reduce((sum, step) => sum + probabilities[step * CHARACTERS.length + path[step]!]!, 0) / keptSteps.length;
  assert.ok(Math.abs(decoded.score - expected) < 1e-6);
  assert.deepEqual(ctcGreedyDecode(softmax(logits([0, 0, 0])), 0, 3, CHARACTERS.length, CHARACTERS), { text: '', score: 0 });
});

void test('weak steps (no class above 0.5), a batch offset and raw logits decode as a full scan would', () => {
  // e / (e + 4) ≈ 0.4: the favoured class stays below half the probability mass, nothing stops early.
  const weak = [3, 0, 2, 2, 1];
  assert.equal(ctcGreedyDecode(softmax(logits(weak, 1, 0)), 0, weak.length, CHARACTERS.length, CHARACTERS).text, 'cba');
  const second = [4, 0, 4, 1];
  const batch = new Float32Array([...softmax(logits(weak)), ...softmax(logits(second))]);
  assert.equal(ctcGreedyDecode(batch, weak.length * CHARACTERS.length, second.length, CHARACTERS.length, CHARACTERS).text, 'dda');
  // Logits are not probabilities (values above 0.5 everywhere): every class of every step is read.
  const raw = logits([0, 2, 0, 3, 3], 2);
  raw.forEach((value, index) => (raw[index] = value + 1));
  assert.equal(ctcGreedyDecode(raw, 0, 5, CHARACTERS.length, CHARACTERS).text, 'bc');
});
