// Work that backtracks or loops stops at the bound and the thread carries on; ordinary work returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTimeLimitError, runWithTimeLimit } from './run-with-time-limit.js';

void test('returns the value of work that finishes, and passes its own errors through', () => {
  assert.equal(runWithTimeLimit(() => 6 * 7, 1000), 42);
  assert.throws(() => runWithTimeLimit(() => JSON.parse('{'), 1000), SyntaxError);
});

void test('a catastrophically backtracking regex and an endless loop stop at the bound', () => {
  const pattern = /(a+)+$/;
  assert.throws(() => runWithTimeLimit(() => pattern.test(`${'a'.repeat(40)}b`), 100), isTimeLimitError);
  assert.throws(
    () =>
      runWithTimeLimit(() => {
        for (;;);
      }, 100),
    isTimeLimitError,
  );
  assert.equal(runWithTimeLimit(() => 'still running', 100), 'still running');
});
