import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_CURVE_POINTS, scoresEpoch, spreadSample } from './curve-sample.js';

void test('the curve sample spreads over the whole validation split', () => {
  const sorted = [...Array.from({ length: 500 }, () => 'ham'), ...Array.from({ length: 500 }, () => 'spam')];
  const sample = spreadSample(sorted, 100);
  assert.equal(sample.length, 100);
  assert.equal(sample.filter((label) => label === 'spam').length, 50);
  assert.deepEqual(spreadSample([1, 2, 3], 100), [1, 2, 3]);
  assert.deepEqual(spreadSample([], 10), []);
});

void test('every intermediate epoch is scored up to the cap, then evenly spaced ones', () => {
  const scored = (epochs: number) => Array.from({ length: epochs }, (_, index) => index + 1).filter((epoch) => scoresEpoch(epoch, epochs));
  assert.deepEqual(scored(1), []);
  assert.deepEqual(scored(5), [1, 2, 3, 4]);
  assert.deepEqual(scored(10), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(scored(200), [20, 40, 60, 80, 100, 120, 140, 160, 180]);
  for (const epochs of [11, 37, 199, 200]) assert.ok(scored(epochs).length < MAX_CURVE_POINTS, `${epochs} epochs`);
});
