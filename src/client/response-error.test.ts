// How failed answers become ModaErrors (catalog code when the server names one, else by status),
// and how the progress channel stops work when its reader stops early. No server needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModaError } from '../errors/moda-error.js';
import { progressChannel } from './progress-channel.js';
import { errorFromFetchFailure, errorFromResponse } from './response-error.js';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

void test('the code in the JSON body wins when it is in the catalog', async () => {
  const error = await errorFromResponse(json(404, { error: 'Repository x not found', code: 'HUB_REPO_NOT_FOUND' }), 'reading x');
  assert.ok(error instanceof ModaError);
  assert.equal(error.code, 'HUB_REPO_NOT_FOUND');
  assert.equal(error.message, 'Repository x not found');
  assert.equal(error.status, 404);
});

void test('the LFS envelope ({message, code}) and X-Error-Code on bodiless answers are understood', async () => {
  const lfs = await errorFromResponse(json(422, { message: 'bad oid', code: 'VALIDATION_FAILED' }), 'batch');
  assert.equal(lfs.code, 'VALIDATION_FAILED');
  assert.equal(lfs.message, 'bad oid');
  const head = await errorFromResponse(new Response(null, { status: 404, headers: { 'x-error-code': 'EntryNotFound', 'x-error-message': 'no file' } }), 'HEAD');
  assert.equal(head.code, 'HUB_ENTRY_NOT_FOUND');
  assert.equal(head.message, 'no file');
});

void test('unknown codes and non-JSON bodies map by status', async () => {
  assert.equal((await errorFromResponse(json(401, { error: 'x', code: 'SOMETHING_NEW' }), 'w')).code, 'AUTH_REQUIRED');
  assert.equal((await errorFromResponse(new Response('<html>', { status: 502 }), 'w')).code, 'UPSTREAM_UNAVAILABLE');
  const teapot = await errorFromResponse(new Response('', { status: 418, statusText: 'Teapot' }), 'brewing');
  assert.equal(teapot.code, 'BAD_REQUEST');
  assert.equal(teapot.message, 'brewing: HTTP 418 Teapot');
  assert.equal((await errorFromResponse(new Response('', { status: 500 }), 'w')).code, 'INTERNAL');
});

void test('a failed fetch is UPSTREAM_UNAVAILABLE unless it was aborted', () => {
  const down = errorFromFetchFailure(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') }), 'http://127.0.0.1:1/api', undefined);
  assert.ok(down instanceof ModaError);
  assert.equal(down.code, 'UPSTREAM_UNAVAILABLE');
  assert.match(down.message, /cannot reach http:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/);
  const controller = new AbortController();
  const reason = new DOMException('stop', 'AbortError');
  controller.abort(reason);
  assert.equal(errorFromFetchFailure(new TypeError('x'), 'http://127.0.0.1:9/', controller.signal), reason);
});

void test('leaving a progress iteration early aborts the work; a failure surfaces after earlier events', async () => {
  let sawAbort = false;
  const events = progressChannel<number>(async (emit, signal) => {
    for (let index = 0; ; index++) {
      if (signal.aborted) {
        sawAbort = true;
        return;
      }
      emit(index);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  });
  for await (const value of events) if (value === 3) break;
  assert.equal(sawAbort, true);

  const seen: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const value of progressChannel<number>(async (emit) => {
        emit(1);
        emit(2);
        throw new ModaError('INTERNAL', 'boom');
      })) seen.push(value);
    })(),
    /boom/,
  );
  assert.deepEqual(seen, [1, 2]);
});
