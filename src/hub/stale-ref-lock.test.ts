// A ref lock left by a writer killed mid-update: a fresh one is respected (the compare-and-swap
// loses, as against a live writer); one older than STALE_REF_LOCK_MS is removed and the next
// attempt lands.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareAndSwapRef, STALE_REF_LOCK_MS } from './write-commit.js';

void test('a stale ref lock is removed, a fresh one is respected', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'moda-ref-lock-'));
  try {
    const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
    execFileSync('git', ['init', '-q', '--bare', dir]);
    const tree = execFileSync('git', ['-C', dir, 'mktree'], { input: '' }).toString().trim();
    const first = execFileSync('git', ['-C', dir, 'commit-tree', tree, '-m', 'one'], { env }).toString().trim();
    const second = execFileSync('git', ['-C', dir, 'commit-tree', tree, '-p', first, '-m', 'two'], { env }).toString().trim();
    assert.equal(await compareAndSwapRef(dir, 'refs/heads/main', first, undefined), true);
    const lock = join(dir, 'refs/heads/main.lock');
    await writeFile(lock, '');
    assert.equal(await compareAndSwapRef(dir, 'refs/heads/main', second, first), false, 'a fresh lock: a writer may hold it');
    assert.ok(await stat(lock), 'and it stays');
    const old = (Date.now() - STALE_REF_LOCK_MS - 5_000) / 1000;
    await utimes(lock, old, old);
    assert.equal(await compareAndSwapRef(dir, 'refs/heads/main', second, first), false, 'this attempt finds the stale lock…');
    assert.equal(await stat(lock).catch(() => undefined), undefined, '…and removes it');
    assert.equal(await compareAndSwapRef(dir, 'refs/heads/main', second, first), true, 'the next attempt lands');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
