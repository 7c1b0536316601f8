// Suppression keeps what greedy NMS keeps among the best candidates, and its work stays bounded
// however many boxes a graph returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { suppressBoxes, type ScoredBox } from './suppress-boxes.js';

const box = (score: number, x: number, classIndex = 0): ScoredBox => ({ classIndex, score, xmin: x, ymin: 0, xmax: x + 10, ymax: 10 });

void test('overlapping boxes of a class collapse to the best; other classes and distant boxes stay', () => {
  const kept = suppressBoxes([box(0.5, 1), box(0.9, 0), box(0.8, 0, 1), box(0.7, 100)], { iouThreshold: 0.5, classAgnostic: false, maxCandidates: 100, maxKept: 100 });
  assert.deepEqual(kept.map((b) => b.score), [0.9, 0.8, 0.7]);
});

void test('40 000 disjoint boxes: only the best maxCandidates are considered and at most maxKept come back', () => {
  const many = Array.from({ length: 40_000 }, (_, index) => box((index % 997) / 997, index * 20));
  let comparisons = 0;
  const counted = many.map((b) => ({ ...b, get xmin() { comparisons++; return b.xmin; } }));
  const kept = suppressBoxes(counted, { iouThreshold: 0.5, classAgnostic: true, maxCandidates: 5000, maxKept: 1000 });
  assert.equal(kept.length, 1000);
  // Each kept box is compared with those before it: about 1000²/2 reads, not 40 000 × kept.
  assert.ok(comparisons <= 2 * 1000 * 1000, `${comparisons} comparisons`);
  assert.ok(kept.every((b, index) => index === 0 || (kept[index - 1]?.score ?? 1) >= b.score));
});

void test('property: with caps above the input size, the result is plain greedy NMS', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 2 })), { maxLength: 30 }), (rows) => {
      const boxes = rows.map(([score, x, classIndex]) => box(score, x, classIndex));
      const capped = suppressBoxes(boxes, { iouThreshold: 0.3, classAgnostic: false, maxCandidates: 1000, maxKept: 1000 });
      const sorted = [...boxes].sort((a, b) => b.score - a.score);
      for (const candidate of sorted) assert.ok(capped.includes(candidate) || capped.some((k) => k.classIndex === candidate.classIndex && k.score >= candidate.score));
    }),
  );
});
