import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DrainRate } from './drain-rate.js';

/** A pace on a clock the test moves: `finish` lets `afterMs` pass, then records a completion. */
function clocked(): { rate: DrainRate; advance(ms: number): void; finish(inputs: number, afterMs?: number): void } {
  let now = 0;
  const rate = new DrainRate(() => now);
  return {
    rate,
    advance: (ms) => (now += ms),
    finish: (inputs, afterMs = 0) => {
      now += afterMs;
      rate.record(inputs);
    },
  };
}

void test('no pace before two completions: the hint is the minimum', () => {
  const { rate } = clocked();
  assert.equal(rate.perSecond(), undefined);
  assert.equal(rate.secondsToDrain(500, 1, 30), 1);
  rate.record(4);
  assert.equal(rate.perSecond(), undefined);
});

void test('the pace counts the inputs finished after the first completion over the time since it', () => {
  const { rate, finish } = clocked();
  finish(8);
  finish(8, 500);
  finish(8, 500);
  assert.equal(rate.perSecond(), 16);
  assert.equal(rate.secondsToDrain(64, 1, 30), 4);
  assert.equal(rate.secondsToDrain(1, 1, 30), 1, 'never below the minimum');
  assert.equal(rate.secondsToDrain(10_000, 1, 30), 30, 'never above the maximum');
});

void test('completions older than five seconds no longer count', () => {
  const { rate, advance, finish } = clocked();
  finish(100);
  finish(100, 100);
  advance(6000);
  assert.equal(rate.perSecond(), undefined);
  finish(2);
  finish(2, 1000);
  assert.equal(rate.perSecond(), 2);
});
