import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isModaError } from '../../errors/moda-error.js';
import { GitBackendLimiter } from './git-backend-limiter.js';

const refusedWith = (code: string) => (error: unknown) => isModaError(error) && error.code === code && error.details?.retryAfterSeconds !== undefined;

void test('slots are capped per client and in all, and each release counts once', () => {
  const limiter = new GitBackendLimiter(3, 2);
  const a1 = limiter.acquire('a');
  limiter.acquire('a');
  assert.throws(() => limiter.acquire('a'), refusedWith('GIT_CLIENT_BUSY'));
  limiter.acquire('b');
  assert.throws(() => limiter.acquire('c'), refusedWith('GIT_BACKEND_BUSY'));
  a1();
  a1();
  assert.equal(limiter.size, 2);
  limiter.acquire('c');
  assert.throws(() => limiter.acquire('b'), refusedWith('GIT_BACKEND_BUSY'));
});
