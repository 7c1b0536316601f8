// The cross-process preparation lock: one holder works, the others get its result; a holder that
// ends without a result, dies, or stops touching the lock hands over; a cancelled waiter stops.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { isModaError } from '../errors/moda-error.js';
import { withPreparationLock } from './preparation-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'moda-prep-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function fixture(name: string) {
  const lock = join(dir, `${name}.lock`);
  const result = join(dir, `${name}.result`);
  const finished = () => readFile(result, 'utf8').catch(() => undefined);
  return { lock, result, finished };
}

void test('concurrent callers: one works, every caller gets its result, the lock is gone after', async () => {
  const { lock, result, finished } = fixture('concurrent');
  let runs = 0;
  const work = async () => {
    runs++;
    await sleep(300);
    await writeFile(result, 'prepared');
    return 'prepared';
  };
  const answers = await Promise.all([1, 2, 3].map(() => withPreparationLock(lock, finished, work, { pollMs: 20 })));
  assert.deepEqual(answers, ['prepared', 'prepared', 'prepared']);
  assert.equal(runs, 1);
  await assert.rejects(readFile(lock), { code: 'ENOENT' });
});

void test('two processes: the second waits for the first one’s result instead of preparing again', async () => {
  const { lock, result } = fixture('processes');
  const log = join(dir, 'processes.log');
  writeFileSync(log, '');
  const script = `
    import { appendFileSync, writeFileSync } from 'node:fs';
    import { readFile } from 'node:fs/promises';
    import { withPreparationLock } from ${JSON.stringify(new URL('./preparation-lock.ts', import.meta.url).pathname)};
    const out = await withPreparationLock(${JSON.stringify(lock)}, () => readFile(${JSON.stringify(result)}, 'utf8').catch(() => undefined), async () => {
      appendFileSync(${JSON.stringify(log)}, 'work ' + process.pid + '\\n');
      await new Promise((resolve) => setTimeout(resolve, 800));
      writeFileSync(${JSON.stringify(result)}, 'from ' + process.pid);
      return 'from ' + process.pid;
    }, { pollMs: 20 });
    console.log(out);`;
  const run = () => promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
  const [first, second] = await Promise.all([run(), run()]);
  assert.equal(readFileSync(log, 'utf8').trim().split('\n').length, 1, 'exactly one process prepared');
  assert.equal(first.stdout.trim(), second.stdout.trim());
});

void test('a holder that fails leaves no result: a waiter takes over and prepares', async () => {
  const { lock, result, finished } = fixture('failing');
  const failing = withPreparationLock(lock, finished, async () => {
    await sleep(150);
    throw new Error('holder failed');
  });
  await sleep(20);
  const waiter = withPreparationLock(lock, finished, async () => {
    await writeFile(result, 'second');
    return 'second';
  }, { pollMs: 20 });
  await assert.rejects(failing, /holder failed/);
  assert.equal(await waiter, 'second');
});

void test('a lock left by a dead process on this host, or untouched past staleMs, is taken over', async () => {
  const dead = fixture('dead');
  // A pid above the kernel's limit belongs to no process.
  writeFileSync(dead.lock, `${hostname()}\n4194305\n`);
  assert.equal(await withPreparationLock(dead.lock, dead.finished, async () => 'taken', { pollMs: 20 }), 'taken');

  const old = fixture('old');
  writeFileSync(old.lock, 'another-host\n1\n');
  const past = new Date(Date.now() - 60_000);
  utimesSync(old.lock, past, past);
  assert.equal(await withPreparationLock(old.lock, old.finished, async () => 'taken', { pollMs: 20, staleMs: 30_000 }), 'taken');

  // A live holder on another host that keeps touching its lock is waited for.
  const live = fixture('live');
  writeFileSync(live.lock, 'another-host\n1\n');
  let ran = false;
  const waiting = withPreparationLock(live.lock, live.finished, async () => ((ran = true), 'waiter'), { pollMs: 20, staleMs: 30_000 });
  await sleep(200);
  assert.equal(ran, false);
  writeFileSync(live.result, 'holder');
  assert.equal(await waiting, 'holder');
});

void test('a waiter whose signal aborts stops with REQUEST_CANCELLED and leaves the holder’s lock', async () => {
  const { lock, finished } = fixture('cancel');
  writeFileSync(lock, 'another-host\n1\n');
  const controller = new AbortController();
  const waiting = withPreparationLock(lock, finished, async () => 'never', { pollMs: 20, signal: controller.signal });
  await sleep(60);
  controller.abort();
  await assert.rejects(waiting, (error: unknown) => isModaError(error) && error.code === 'REQUEST_CANCELLED');
  assert.equal(readFileSync(lock, 'utf8'), 'another-host\n1\n');
});
