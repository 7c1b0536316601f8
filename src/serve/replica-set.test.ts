// The replica set on its own, with fake instances: batches go to the least busy instance, and a
// growth that fails part-way leaves no instance loaded behind the caller's back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadedPipeline } from '../pipelines/pipeline-implementation.js';
import { ReplicaSet } from './replica-set.js';

function fakeInstance(name: string, disposed: string[]): LoadedPipeline {
  return {
    task: 'text-classification',
    type: 'fake',
    engine: 'fake',
    memoryBytes: 10,
    async run(inputs) {
      await sleep(20);
      return inputs.map(() => name);
    },
    async dispose() {
      disposed.push(name);
    },
  };
}

const context = { maxImagePixels: 1, fetch: globalThis.fetch };

void test('two batches at once go to two instances; shrinking disposes the extra one', async () => {
  const disposed: string[] = [];
  let next = 1;
  const sizedFor: number[] = [];
  const set = new ReplicaSet(fakeInstance('a', disposed), async (instances) => {
    sizedFor.push(instances);
    return fakeInstance(`extra${next++}`, disposed);
  });
  await set.resize(2);
  assert.equal(set.size, 2);
  assert.deepEqual(sizedFor, [2], 'a new instance is told how many will share the cores');
  assert.equal(set.memoryBytes, 20);
  const answers = await Promise.all([set.run(['x'], {}, context), set.run(['y'], {}, context)]);
  assert.deepEqual(answers.flat().sort(), ['a', 'extra1']);
  await set.resize(1);
  assert.equal(set.size, 1);
  assert.deepEqual(disposed, ['extra1']);
});

void test('a growth where one load fails adds nothing and disposes the instances that did load', async () => {
  const disposed: string[] = [];
  let next = 1;
  const set = new ReplicaSet(fakeInstance('a', disposed), async () => {
    const index = next++;
    if (index === 2) throw new Error('out of memory');
    return fakeInstance(`extra${index}`, disposed);
  });
  await assert.rejects(set.resize(3), /out of memory/);
  assert.equal(set.size, 1);
  assert.deepEqual(disposed, ['extra1']);
});

void test('a solo instance takes the batches that run alone while nothing else is in flight; the others take the rest', async () => {
  const disposed: string[] = [];
  const set = new ReplicaSet(fakeInstance('a', disposed), async () => fakeInstance('b', disposed));
  await set.resize(2);
  set.setSolo(fakeInstance('solo', disposed));
  assert.equal(set.size, 2, 'the solo instance is not one of the instances that run side by side');
  assert.equal(set.memoryBytes, 30);
  assert.deepEqual(await set.run(['x'], {}, context, { alone: true }), ['solo']);
  // Not alone, or no hint at all (a calibration run): one of the single-core instances.
  assert.deepEqual(await set.run(['x'], {}, context, { alone: false }), ['a']);
  assert.deepEqual(await set.run(['x'], {}, context), ['a']);
  // Marked alone, but another batch is still in flight: the solo instance would share its cores.
  const busy = set.run(['x'], {}, context, { alone: false });
  assert.deepEqual(await set.run(['y'], {}, context, { alone: true }), ['b']);
  assert.deepEqual(await busy, ['a']);
  // And a lone batch while the solo instance runs goes to an idle single-core instance.
  const soloRun = set.run(['x'], {}, context, { alone: true });
  assert.deepEqual(await set.run(['y'], {}, context, { alone: true }), ['a']);
  assert.deepEqual(await soloRun, ['solo']);
  assert.equal(set.soloBatches, 2);
  assert.throws(() => set.setSolo(fakeInstance('second', disposed)), /already has a solo instance/);
  await set.dispose();
  assert.deepEqual(disposed.sort(), ['a', 'b', 'solo']);
});

void test('a solo instance whose worker died marks the whole set broken', async () => {
  const set = new ReplicaSet(fakeInstance('a', []), async () => fakeInstance('b', []));
  set.setSolo({ ...fakeInstance('solo', []), broken: true } as LoadedPipeline);
  assert.equal(set.broken, true);
});

void test('dropping the solo instance lets its running batch finish, then disposes it; lone batches go to the others', async () => {
  const disposed: string[] = [];
  const set = new ReplicaSet(fakeInstance('a', disposed), async () => fakeInstance('b', disposed));
  set.setSolo(fakeInstance('solo', disposed));
  const running = set.run(['x'], {}, context, { alone: true });
  const dropped = set.dropSolo();
  assert.equal(set.hasSolo, false);
  assert.deepEqual(disposed, [], 'not disposed while its batch runs');
  assert.deepEqual(await running, ['solo']);
  await dropped;
  assert.deepEqual(disposed, ['solo']);
  assert.deepEqual(await set.run(['y'], {}, context, { alone: true }), ['a']);
  assert.equal(set.memoryBytes, 10);
});
