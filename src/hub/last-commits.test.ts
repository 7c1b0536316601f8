// lastCommits gives each file and folder the newest commit that changed it, so the ModelScope SDK's
// (Path, Revision) cache survives commits that did not touch a file.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { git } from './git.js';
import { buildCommit, type CommitOperation } from './write-commit.js';
import { lastCommits } from './last-commits.js';

void test('files and folders map to the last commit that changed them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'moda-last-commits-'));
  try {
    await git(dir, ['init', '--bare', '--quiet']);
    const author = { name: 'test', email: 'test@example.com' };
    const file = (path: string, text: string): CommitOperation => ({ kind: 'file', path, content: Buffer.from(text) });
    const commit = (parent: string | undefined, operations: CommitOperation[], seconds: number) =>
      buildCommit(dir, { parent, operations, summary: 'c', author, date: new Date(seconds * 1000) });
    const first = await commit(undefined, [file('README.md', 'r'), file('a/x', '1'), file('b/y', '1')], 1_700_000_000);
    const second = await commit(first, [file('a/x', '2')], 1_700_000_100);
    const third = await commit(second, [file('a/z/w', '1'), { kind: 'deletedFile', path: 'b/y' }], 1_700_000_200);

    const atThird = await lastCommits(dir, third);
    const shaOf = (path: string) => atThird.paths.get(path)?.sha;
    assert.equal(shaOf('README.md'), first);
    assert.equal(shaOf('a/x'), second);
    assert.equal(shaOf('a/z/w'), third);
    assert.equal(shaOf('a/z'), third);
    assert.equal(shaOf('a'), third, 'a folder changes with anything inside it');
    assert.deepEqual(atThird.head, { sha: third, time: 1_700_000_200, title: 'c' });
    assert.equal(atThird.paths.get('a/x')?.time, 1_700_000_100);

    const atSecond = await lastCommits(dir, second);
    assert.equal(atSecond.paths.get('a')?.sha, second);
    assert.equal(atSecond.paths.get('b/y')?.sha, first);
    assert.equal(atSecond.paths.has('a/z/w'), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
