// A model in a child process, through its public face: load errors keep their code, a batch runs
// and its errors cross back as ModaErrors, a child that dies fails its batches with MODEL_CRASHED,
// and nothing hangs once the model is disposed.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { catalogSnapshot } from '../../test/helpers/catalog-snapshot.js';
import { isModaError } from '../errors/moda-error.js';
import { DEFAULT_CHILD_LIMITS, loadInChild } from './load-in-child.js';

const context = { maxImagePixels: 1_000_000, fetch: globalThis.fetch };
const setupOf = async (implementationType: string) => ({ snapshot: await catalogSnapshot('word-segmentation-jieba-zh'), implementationType, task: 'word-segmentation' as const, device: 'cpu' as const, threads: 1 });

void test('an unknown pipeline type fails the load with MODEL_NOT_RUNNABLE, not a hang', async () => {
  await assert.rejects(loadInChild(await setupOf('no-such-pipeline')), (error) => isModaError(error) && error.code === 'MODEL_NOT_RUNNABLE');
});

void test('a child runs batches, reports errors with their code, and refuses work once disposed', async () => {
  process.env.MODA_TEST_ADMIN_TOKEN = 'hf_not_for_models';
  const model = await loadInChild(await setupOf('jieba-word-segmentation'));
  delete process.env.MODA_TEST_ADMIN_TOKEN;
  try {
    assert.notEqual(model.pid, process.pid, 'the model lives in a process of its own');
    const environment = readFileSync(`/proc/${model.pid}/environ`, 'latin1');
    assert.ok(!environment.includes('hf_not_for_models'), 'the server\'s secrets stay out of the model process');
    assert.ok(environment.includes('PATH='), 'the rest of the environment is kept');
    assert.ok(model.rssBytes > 0, 'its resident memory is read from /proc');
    const [output] = (await model.run(['我爱北京天安门'], {}, context)) as { tokens: { word: string }[] }[];
    assert.ok(output?.tokens.some((token) => token.word === '天安门'), JSON.stringify(output));
    await assert.rejects(model.run([42], {}, context), (error) => isModaError(error) && error.status < 600);
  } finally {
    await model.dispose();
  }
  assert.equal(model.broken, false, 'a disposed child is not a crashed one');
  await assert.rejects(model.run(['还在吗'], {}, context), (error) => isModaError(error) && error.code === 'MODEL_CRASHED');
});

void test('a child killed from outside fails its batch with MODEL_CRASHED and is broken; the server lives on', async () => {
  const model = await loadInChild(await setupOf('jieba-word-segmentation'));
  try {
    process.kill(model.pid, 'SIGKILL');
    await assert.rejects(model.run(['我爱北京天安门'.repeat(10_000)], {}, context), (error) => isModaError(error) && error.code === 'MODEL_CRASHED' && error.retryable);
    assert.equal(model.broken, true);
    assert.equal(model.failure?.code, 'MODEL_CRASHED');
  } finally {
    await model.dispose();
  }
});

void test('a child has a temporary folder of its own, removed when it is killed', async () => {
  const model = await loadInChild(await setupOf('jieba-word-segmentation'));
  try {
    const tempDir = /(?:^|\0)TMPDIR=([^\0]*)/.exec(readFileSync(`/proc/${model.pid}/environ`, 'latin1'))?.[1];
    assert.ok(tempDir !== undefined && tempDir.startsWith(join(tmpdir(), 'moda-model-')), String(tempDir));
    await writeFile(join(tempDir, 'left-behind'), 'x');
    const exited = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (!existsSync(tempDir)) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    process.kill(model.pid, 'SIGKILL');
    await exited;
    assert.equal(existsSync(tempDir), false);
  } finally {
    await model.dispose();
  }
});

void test('a child past its resident-memory limit is stopped and reported as MODEL_MEMORY_LIMIT', async () => {
  // jieba's dictionary alone takes tens of MB, so a 16 MB limit is passed while loading.
  await assert.rejects(loadInChild(await setupOf('jieba-word-segmentation'), { ...DEFAULT_CHILD_LIMITS, maxRssBytes: 16 * 1024 ** 2 }), (error) => isModaError(error) && error.code === 'MODEL_MEMORY_LIMIT');
});
