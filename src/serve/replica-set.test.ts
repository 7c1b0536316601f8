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
  const set = new ReplicaSet(fakeInstance('a', disposed), async () => fakeInstance(`extra${next++}`, disposed));
  await set.resize(2);
  assert.equal(set.size, 2);
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
