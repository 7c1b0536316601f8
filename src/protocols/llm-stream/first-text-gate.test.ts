// The headers of a streamed answer go with its first text, after a wait when it started without
// text, and never when the generation fails first (that failure stays an HTTP error).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstTextGate } from './first-text-gate.js';

const never = new Promise<never>(() => {});

void test('the first text opens the gate at once; nothing opens it before the generation starts', async () => {
  const gate = firstTextGate(60_000);
  let opened = false;
  const waiting = gate.until(never).then(() => (opened = true));
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(opened, false);
  gate.started();
  gate.text();
  await waiting;
  assert.equal(opened, true);
});

void test('a started answer without text opens the gate after the wait', async () => {
  const gate = firstTextGate(20);
  gate.started();
  const started = performance.now();
  await gate.until(never);
  assert.ok(performance.now() - started >= 15);
});

void test('a generation that fails before any text rejects, and one that ends resolves', async () => {
  await assert.rejects(firstTextGate(60_000).until(Promise.reject(new Error('queue full'))), /queue full/);
  assert.equal(await firstTextGate(60_000).until(Promise.resolve('done')), 'done');
});
