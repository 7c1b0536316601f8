// The Redis token bucket against a real redis-server: the same arithmetic as the in-memory store
// (burst, even refill, Retry-After, spend-nothing peek), one bucket shared by two clients as two
// replicas share it, and failing open while Redis is down.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisTestServer } from '../../../test/helpers/redis-server.js';
import { RedisRateLimitStore } from './redis-rate-limit-store.js';

const rule = { limit: 3, windowMs: 60_000 };
let server: RedisTestServer;
const clients: Redis[] = [];

before(async () => {
  server = await startRedisServer();
});

after(async () => {
  for (const client of clients) client.disconnect();
  await server?.stop();
});

function client(): Redis {
  const redis = new Redis(server.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  redis.on('error', () => undefined);
  clients.push(redis);
  return redis;
}

async function connected(redis: Redis): Promise<Redis> {
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return redis;
}

void test('a bucket allows its limit at once, refills evenly, and says when the next request fits', async () => {
  let now = 1_000_000;
  const store = new RedisRateLimitStore(await connected(client()), { now: () => now });
  for (let index = 0; index < 3; index++) assert.deepEqual(await store.take('k1', rule), { allowed: true, retryAfterSeconds: 0 });
  assert.deepEqual(await store.take('k1', rule), { allowed: false, retryAfterSeconds: 20 });
  now += 19_000;
  assert.equal((await store.take('k1', rule)).allowed, false);
  now += 1_000;
  assert.equal((await store.take('k1', rule)).allowed, true);
  assert.equal((await store.take('other1', rule)).allowed, true, 'keys are independent');
});

void test('cost 0 asks without spending', async () => {
  const store = new RedisRateLimitStore(await connected(client()), { now: () => 5_000 });
  for (let index = 0; index < 5; index++) assert.equal((await store.take('k2', rule, 0)).allowed, true);
  await store.take('k2', rule, 3);
  assert.deepEqual(await store.take('k2', rule, 0), { allowed: false, retryAfterSeconds: 20 });
});

void test('two replicas share one bucket (on Redis\'s clock), and a bucket key expires once full again', async () => {
  const [first, second] = [new RedisRateLimitStore(await connected(client())), new RedisRateLimitStore(await connected(client()))];
  const decisions = await Promise.all(Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? first : second).take('shared', rule)));
  assert.equal(decisions.filter((decision) => decision.allowed).length, 3, 'the limit counts requests of both replicas together');
  const ttl = await (await connected(client())).pttl('moda:rate:shared');
  assert.ok(ttl > 0 && ttl <= 61_000, `the key expires once the bucket is full again (pttl ${ttl})`);
});

void test('with Redis down the request is allowed and the error reported', async () => {
  const errors: unknown[] = [];
  const redis = await connected(client());
  const store = new RedisRateLimitStore(redis, { onError: (error) => errors.push(error) });
  await server.kill(true);
  try {
    for (let index = 0; index < 5; index++) assert.deepEqual(await store.take('k3', rule), { allowed: true, retryAfterSeconds: 0 });
    assert.ok(errors.length > 0);
  } finally {
    await server.restart();
  }
});
