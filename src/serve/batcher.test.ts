// The batcher on its own, with a fake model that records the batches it is given.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ModaError } from '../errors/moda-error.js';
import { Batcher, type RunBatch } from './batcher.js';

function recordingModel(delayMs = 20): { run: RunBatch; batches: unknown[][] } {
  const batches: unknown[][] = [];
  return {
    batches,
    run: async (inputs, parameters) => {
      batches.push([...inputs]);
      await sleep(delayMs);
      if (inputs.includes('boom')) throw new Error('model failed on boom');
      return inputs.map((input) => `${String(input)}:${JSON.stringify(parameters)}`);
    },
  };
}

void test('an idle model runs a request at once; requests arriving while it is busy run together', async () => {
  const model = recordingModel();
  const batcher = new Batcher(model.run, { maxBatchSize: 4, maxQueueDelayMs: 0, maxQueue: 100 });
  const first = batcher.submit(['a'], {});
  await sleep(1);
  const rest = ['b', 'c', 'd', 'e', 'f'].map((input) => batcher.submit([input], {}));
  assert.deepEqual(await first, ['a:{}']);
  assert.deepEqual(await Promise.all(rest), [['b:{}'], ['c:{}'], ['d:{}'], ['e:{}'], ['f:{}']]);
  assert.deepEqual(model.batches, [['a'], ['b', 'c', 'd', 'e'], ['f']]);
  assert.equal(batcher.stats().batches, 3);
  assert.equal(batcher.stats().batchSizes.get(4), 1);
});

void test('only requests with equal parameters share a batch, and outputs go back to their callers', async () => {
  const model = recordingModel();
  const batcher = new Batcher(model.run, { maxBatchSize: 8, maxQueueDelayMs: 0, maxQueue: 100 });
  const busy = batcher.submit(['x'], {});
  await sleep(1);
  const results = await Promise.all([batcher.submit(['a', 'b'], { k: 1 }), batcher.submit(['c'], { k: 2 }), batcher.submit(['d'], { k: 1 })]);
  await busy;
  assert.deepEqual(results, [['a:{"k":1}', 'b:{"k":1}'], ['c:{"k":2}'], ['d:{"k":1}']]);
  assert.deepEqual(model.batches.slice(1), [['a', 'b', 'd'], ['c']]);
});

void test('a failing batch is retried request by request: only the bad request fails', async () => {
  const model = recordingModel(5);
  const batcher = new Batcher(model.run, { maxBatchSize: 8, maxQueueDelayMs: 0, maxQueue: 100 });
  const busy = batcher.submit(['warm'], {});
  await sleep(1);
  const settled = await Promise.allSettled([batcher.submit(['a'], {}), batcher.submit(['boom'], {}), batcher.submit(['c'], {})]);
  await busy;
  assert.deepEqual(settled.map((result) => result.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.match(String((settled[1] as PromiseRejectedResult).reason), /boom/);
});

void test('a batch whose model process was stopped (its deadline) is not retried request by request', async () => {
  const batches: unknown[][] = [];
  const batcher = new Batcher(
    async (inputs) => {
      batches.push([...inputs]);
      await sleep(5);
      if (inputs.includes('stuck')) throw new ModaError('INFERENCE_TIMEOUT', 'a batch ran past its deadline', { details: { crash: false } });
      return inputs.map(String);
    },
    { maxBatchSize: 8, maxQueueDelayMs: 0, maxQueue: 100 },
  );
  const busy = batcher.submit(['warm'], {});
  await sleep(1);
  const settled = await Promise.allSettled([batcher.submit(['a'], {}), batcher.submit(['stuck'], {})]);
  await busy;
  assert.deepEqual(settled.map((result) => result.status), ['rejected', 'rejected']);
  for (const result of settled) assert.equal(((result as PromiseRejectedResult).reason as ModaError).code, 'INFERENCE_TIMEOUT');
  assert.deepEqual(batches, [['warm'], ['a', 'stuck']], 'the stopped batch ran once');
});

void test('a full queue answers QUEUE_FULL with a retry hint; deadlines and aborts drop queued work', async () => {
  const model = recordingModel(50);
  const batcher = new Batcher(model.run, { maxBatchSize: 2, maxQueueDelayMs: 0, maxQueue: 5 });
  const running = batcher.submit(['r'], {});
  await sleep(1);
  const queued = [batcher.submit(['q1'], {}), batcher.submit(['q2', 'q3'], {})];
  await assert.rejects(batcher.submit(['o1', 'o2', 'o3'], {}), (error: { code?: string; details?: { retryAfterSeconds?: number } }) => error.code === 'QUEUE_FULL' && error.details?.retryAfterSeconds === 1);
  const controller = new AbortController();
  const aborted = batcher.submit(['gone'], { other: true }, { signal: controller.signal });
  const late = batcher.submit(['late'], { other: 2 }, { deadline: performance.now() + 10 });
  controller.abort();
  await assert.rejects(aborted, (error: { code?: string }) => error.code === 'REQUEST_CANCELLED');
  await assert.rejects(late, (error: { code?: string }) => error.code === 'INFERENCE_TIMEOUT');
  await running;
  await Promise.all(queued);
  await batcher.whenIdle();
  assert.ok(!model.batches.flat().includes('gone') && !model.batches.flat().includes('late'), 'cancelled work never reached the model');
  assert.equal(batcher.stats().queuedInputs, 0);
});

void test("once the model has a pace, Retry-After is the time the waiting inputs take to drain", async () => {
  const model = recordingModel(200);
  const batcher = new Batcher(model.run, { maxBatchSize: 1, maxQueueDelayMs: 0, maxQueue: 8 });
  await batcher.submit(['a'], {});
  await batcher.submit(['b'], {});
  // One input per 200 ms: 8 waiting inputs drain in about 1.6 s, so 2 s.
  const running = batcher.submit(['r'], {});
  const queued = Array.from({ length: 8 }, (_, index) => batcher.submit([`q${index}`], {}));
  const refusal = batcher.refusal(1);
  assert.equal(refusal?.code, 'QUEUE_FULL');
  assert.equal(refusal?.details?.retryAfterSeconds, 2);
  await Promise.all([running, ...queued]);
});

void test('with a queue delay, an idle model waits for a fuller batch but never past the delay', async () => {
  const model = recordingModel(1);
  const batcher = new Batcher(model.run, { maxBatchSize: 3, maxQueueDelayMs: 30, maxQueue: 100 });
  const started = performance.now();
  const results = await Promise.all([batcher.submit(['a'], {}), batcher.submit(['b'], {})]);
  assert.deepEqual(results, [['a:{}'], ['b:{}']]);
  assert.deepEqual(model.batches, [['a', 'b']]);
  assert.ok(performance.now() - started >= 25);
  const full = await Promise.all([batcher.submit(['c'], {}), batcher.submit(['d'], {}), batcher.submit(['e'], {})]);
  assert.equal(full.length, 3);
  assert.deepEqual(model.batches[1], ['c', 'd', 'e']);
});

void test('with maxConcurrency 2, two batches run at once, each on a model instance of its own', async () => {
  let running = 0;
  let most = 0;
  const batches: unknown[][] = [];
  const batcher = new Batcher(
    async (inputs) => {
      batches.push([...inputs]);
      most = Math.max(most, ++running);
      await sleep(30);
      running--;
      return inputs.map(String);
    },
    { maxBatchSize: 2, maxQueueDelayMs: 0, maxQueue: 100, maxConcurrency: 2 },
  );
  const results = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((input) => batcher.submit([input], {})));
  assert.deepEqual(results, [['a'], ['b'], ['c'], ['d'], ['e'], ['f']]);
  assert.equal(most, 2, 'never more batches at once than instances');
  assert.equal(batcher.stats().runningBatches, 0);
  assert.ok(batcher.idle);
  batcher.reconfigure({ ...batcher.settings, maxConcurrency: 1 });
  most = 0;
  await Promise.all(['g', 'h', 'i'].map((input) => batcher.submit([input], {})));
  assert.equal(most, 1);
});

void test('a batch is marked alone only when nothing else runs or waits', async () => {
  const seen: [string, boolean][] = [];
  const run: RunBatch = async (inputs, _parameters, info) => {
    seen.push([inputs.join(''), info.alone]);
    await sleep(20);
    return [...inputs];
  };
  const batcher = new Batcher(run, { maxBatchSize: 1, maxQueueDelayMs: 0, maxQueue: 10, maxConcurrency: 2 });
  await batcher.submit(['a'], {});
  // b starts alone; c starts beside it; d waits for one of them and starts with c still running.
  const first = batcher.submit(['b'], {});
  await sleep(1);
  await Promise.all([first, batcher.submit(['c'], {}), batcher.submit(['d'], {})]);
  await batcher.submit(['e'], {});
  assert.deepEqual(seen, [['a', true], ['b', true], ['c', false], ['d', false], ['e', true]]);
});
