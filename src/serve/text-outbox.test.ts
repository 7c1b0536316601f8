import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FromChild } from './child-messages.js';
import { TextOutbox } from './text-outbox.js';

void test('a first text leaves at once; texts of the same tick leave together, in order, at the flush', () => {
  const posted: FromChild[] = [];
  const flushes: (() => void)[] = [];
  const outbox = new TextOutbox((message) => posted.push(message), (flush) => flushes.push(flush));
  outbox.add({ id: 1, delta: 'Hel' }, true);
  assert.deepEqual(posted, [{ kind: 'generate-text', texts: [{ id: 1, delta: 'Hel' }] }]);
  outbox.add({ id: 1, delta: 'lo' }, false);
  outbox.add({ id: 2, delta: '你' }, false);
  outbox.add({ id: 3, delta: 'a', logprobs: [] }, false);
  assert.equal(posted.length, 1, 'nothing more before the end of the tick');
  assert.equal(flushes.length, 1, 'one flush scheduled per tick');
  flushes[0]?.();
  assert.deepEqual(posted[1], { kind: 'generate-text', texts: [{ id: 1, delta: 'lo' }, { id: 2, delta: '你' }, { id: 3, delta: 'a', logprobs: [] }] });
  flushes[0]?.();
  assert.equal(posted.length, 2, 'an empty outbox sends nothing');
});

void test('a first text and an explicit flush take what was queued before them along, so order holds', () => {
  const posted: FromChild[] = [];
  const outbox = new TextOutbox((message) => posted.push(message), () => undefined);
  outbox.add({ id: 1, delta: 'x' }, false);
  outbox.add({ id: 2, delta: 'y' }, true);
  assert.deepEqual(posted, [{ kind: 'generate-text', texts: [{ id: 1, delta: 'x' }, { id: 2, delta: 'y' }] }]);
  outbox.add({ id: 1, delta: 'z' }, false);
  outbox.flush();
  assert.deepEqual(posted[1], { kind: 'generate-text', texts: [{ id: 1, delta: 'z' }] });
});

void test('by default the queued texts leave after the immediates of the current tick (the next batch dispatch)', async () => {
  const posted: FromChild[] = [];
  const outbox = new TextOutbox((message) => posted.push(message));
  outbox.add({ id: 1, delta: 'a' }, false);
  outbox.add({ id: 2, delta: 'b' }, false);
  assert.equal(posted.length, 0);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(posted.length, 0, 'not before the immediates queued in the same tick');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(posted, [{ kind: 'generate-text', texts: [{ id: 1, delta: 'a' }, { id: 2, delta: 'b' }] }]);
});
