import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DrainRate } from './drain-rate.js';

function clocked(): { rate: DrainRate; advance(ms: number): void } {
  let now = 0;
  return { rate: new DrainRate(() => now), advance: (ms) => (now += ms) };
}

void test('no pace before two completions: the hint is the minimum', () => {
  const { rate } = clocked();
  assert.equal(rate.perSecond(), undefined);
  assert.equal(rate.secondsToDrain(500, 1, 30), 1);
  rate.record(4);
  assert.equal(rate.perSecond(), undefined);
});

void test('the pace counts the inputs finished after the first completion over the time since it', () => {
  const { rate, advance } = clocked();
  rate.record(8);
  advance(500);
  rate.record(8);
  advance(500);
  rate.record(8);
  assert.equal(rate.perSecond(), 16);
  assert.equal(rate.secondsToDrain(64, 1, 30), 4);
  assert.equal(rate.secondsToDrain(1, 1, 30), 1, 'never below the minimum');
  assert.equal(rate.secondsToDrain(10_000, 1, 30), 30, 'never above the maximum');
});

void test('completions older than five seconds no longer count', () => {
  const { rate, advance } = clocked();
  rate.record(100);
  advance(100);
  rate.record(100);
  advance(6000);
  assert.equal(rate.perSecond(), undefined);
  rate.record(2);
  advance(1000);
  rate.record(2);
  assert.equal(rate.perSecond(), 2);
});
