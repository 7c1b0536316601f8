import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cacheStats } from './cache-size.js';
import { LruCache } from './lru-cache.js';
import { TtlCache } from './ttl-cache.js';

void test('LruCache evicts the least recently used entries to stay under its bytes', () => {
  const cache = new LruCache<string, string>({ name: 'test-lru', maxEntries: 1000, maxBytes: 10_000 });
  for (let index = 0; index < 100; index++) cache.set(`k${index}`, 'x'.repeat(1000));
  assert.ok(cache.bytes <= 10_000);
  assert.ok(cache.size < 10);
  assert.equal(cache.get('k99'), 'x'.repeat(1000));
  assert.equal(cache.get('k0'), undefined);
  // A value larger than the whole budget is not kept, and evicts nothing.
  const before = cache.size;
  cache.set('huge', 'x'.repeat(20_000));
  assert.equal(cache.get('huge'), undefined);
  assert.equal(cache.size, before);
  // Replacing and deleting keep the byte count exact.
  cache.set('k99', 'y');
  cache.delete('k99');
  assert.equal(cache.get('k99'), undefined);
  assert.equal(cacheStats().get('test-lru')?.bytes, cache.bytes);
});

void test('LruCache with only a count keeps that many', () => {
  const cache = new LruCache<number, number>(3);
  for (let index = 0; index < 10; index++) cache.set(index, index);
  assert.equal(cache.size, 3);
  assert.equal(cache.get(9), 9);
});

void test('TtlCache counts the bytes of request-named keys', () => {
  const cache = new TtlCache<string, null>(60_000, 10_000, 100_000);
  for (let index = 0; index < 1000; index++) cache.set(`${'n'.repeat(2000)}${index}`, null);
  assert.ok(cache.bytes <= 100_000, `${cache.bytes}`);
  cache.clear();
  assert.equal(cache.bytes, 0);
});
