// The in-memory token bucket with a clock of the test's own: burst, even refill, Retry-After, the
// spend-nothing peek, and the bound on how many buckets it keeps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryRateLimitStore } from './memory-rate-limit-store.js';

const rule = { limit: 3, windowMs: 60_000 };

void test('a bucket allows its limit at once, refills evenly, and says when the next request fits', async () => {
  let now = 0;
  const store = new MemoryRateLimitStore({ now: () => now });
  for (let index = 0; index < 3; index++) assert.deepEqual(await store.take('k', rule), { allowed: true, retryAfterSeconds: 0 });
  assert.deepEqual(await store.take('k', rule), { allowed: false, retryAfterSeconds: 20 });
  now = 19_000;
  assert.equal((await store.take('k', rule)).allowed, false);
  now = 20_000;
  assert.equal((await store.take('k', rule)).allowed, true);
  assert.equal((await store.take('other', rule)).allowed, true, 'keys are independent');
});

void test('cost 0 asks without spending', async () => {
  const store = new MemoryRateLimitStore({ now: () => 0 });
  for (let index = 0; index < 5; index++) assert.equal((await store.take('k', rule, 0)).allowed, true);
  await store.take('k', rule, 3);
  assert.deepEqual(await store.take('k', rule, 0), { allowed: false, retryAfterSeconds: 20 });
});

void test('past maxKeys the least recently used bucket is forgotten', async () => {
  const store = new MemoryRateLimitStore({ now: () => 0, maxKeys: 2 });
  await store.take('a', rule, 3);
  await store.take('b', rule, 3);
  await store.take('a', rule, 0);
  await store.take('c', rule, 3);
  assert.equal((await store.take('a', rule)).allowed, false, 'a was used recently and kept');
  assert.equal((await store.take('b', rule)).allowed, true, 'b was the least recently used and starts full again');
});
