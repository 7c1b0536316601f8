// Prototypes: class means of normalised embeddings, nearest by cosine, softmax scores, and a byte
// format that round-trips exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computePrototypes, l2Normalize, prototypeScores, prototypesBytes, prototypeSimilarities, readPrototypes } from './prototypes.js';

void test('each prototype is the normalised mean of its normalised examples', () => {
  // Lengths differ a lot: normalising first keeps the long vector from dominating its class.
  const prototypes = computePrototypes([[10, 0], [0, 1], [0, 3], [0, -0.01]], [0, 0, 1, 2], 3);
  const s = Math.SQRT1_2;
  assert.deepEqual([...prototypes.vectors].map((value) => Math.round(value * 1e6) / 1e6), [s, s, 0, 1, 0, -1].map((value) => Math.round(value * 1e6) / 1e6));
  assert.deepEqual(prototypes.counts, [2, 1, 1]);
  const similarities = prototypeSimilarities(prototypes, [0, 5]);
  assert.ok(Math.abs(similarities[1]! - 1) < 1e-6 && Math.abs(similarities[2]! + 1) < 1e-6 && Math.abs(similarities[0]! - s) < 1e-6);
  const scores = prototypeScores(similarities, 0.05);
  assert.equal(scores.indexOf(Math.max(...scores)), 1);
});

void test('scores are probabilities and follow the similarities; bytes round-trip', () => {
  fc.assert(
    fc.property(fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 2, maxLength: 20 }), fc.float({ min: Math.fround(0.01), max: 10, noNaN: true }), (values, temperature) => {
      const scores = prototypeScores(Float32Array.from(values), temperature);
      assert.ok(Math.abs(scores.reduce((sum, score) => sum + score, 0) - 1) < 1e-4);
      const best = values.indexOf(Math.max(...values));
      assert.equal(scores[best], Math.max(...scores));
    }),
  );
  const prototypes = computePrototypes([[1, 2, 3], [3, 2, 1]], [0, 1], 2);
  const bytes = prototypesBytes(prototypes);
  assert.equal(bytes.length, 2 * 3 * 4);
  assert.deepEqual(readPrototypes(bytes, 2, 3)?.vectors, prototypes.vectors);
  assert.equal(readPrototypes(bytes, 3, 3), null);
  assert.deepEqual([...l2Normalize([0, 0])], [0, 0]);
});
