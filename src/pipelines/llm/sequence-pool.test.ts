import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isModaError } from '../../errors/moda-error.js';
import { SequencePool } from './sequence-pool.js';

void test('a pool hands out free items, queues up to its bound in order, then refuses with QUEUE_FULL', async () => {
  const resets: string[] = [];
  const pool = new SequencePool(['a', 'b'], 2, async (item) => {
    resets.push(item);
  });
  const first = await pool.acquire();
  const second = await pool.acquire();
  assert.deepEqual(new Set([first, second]), new Set(['a', 'b']));
  const third = pool.acquire();
  const fourth = pool.acquire();
  assert.deepEqual(pool.stats(), { sequences: 2, inUse: 2, queued: 2 });
  await assert.rejects(pool.acquire(), (error) => isModaError(error) && error.code === 'QUEUE_FULL' && error.details?.retryAfterSeconds === 1);
  await pool.release(first);
  assert.equal(await third, first);
  await pool.release(second);
  assert.equal(await fourth, second);
  assert.deepEqual(resets, [first, second]);
  await pool.release(first);
  await pool.release(second);
  assert.deepEqual(pool.stats(), { sequences: 2, inUse: 0, queued: 0 });
});

void test('a waiting request whose signal aborts leaves the queue with REQUEST_CANCELLED, or INFERENCE_TIMEOUT for a deadline', async () => {
  const pool = new SequencePool([1], 4, async () => {});
  const held = await pool.acquire();
  const client = new AbortController();
  const deadline = new AbortController();
  const leaving = pool.acquire(client.signal);
  const late = pool.acquire(deadline.signal);
  client.abort();
  deadline.abort('deadline');
  await assert.rejects(leaving, (error) => isModaError(error) && error.code === 'REQUEST_CANCELLED');
  await assert.rejects(late, (error) => isModaError(error) && error.code === 'INFERENCE_TIMEOUT');
  assert.equal(pool.stats().queued, 0);
  await pool.release(held);
  assert.equal(await pool.acquire(), 1);
});
