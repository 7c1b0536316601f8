// contentSha256 parses `git cat-file --batch` as it streams: headers and blob ends may fall anywhere
// in the pipe's chunks, so sizes around the 64 KiB pipe buffer and empty blobs are the cases to check.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { git } from '../../hub/git.js';
import { contentSha256 } from './content-digests.js';

void test('sha256 of many blobs of awkward sizes, in one batch, with unknown ids skipped', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'moda-digests-'));
  try {
    await git(dir, ['init', '--bare', '--quiet']);
    const contents = [0, 1, 63, 65_535, 65_536, 65_537, 200_003, 5].map((size) => randomBytes(size));
    const ids: string[] = [];
    for (const content of contents) ids.push((await git(dir, ['hash-object', '-w', '--stdin'], { input: content })).stdout.toString().trim());
    const unknown = 'f'.repeat(40);
    const digests = await contentSha256(dir, [...ids, unknown, ids[2] ?? '']);
    contents.forEach((content, index) => assert.equal(digests.get(ids[index] ?? ''), createHash('sha256').update(content).digest('hex'), `blob of ${content.length} bytes`));
    assert.equal(digests.has(unknown), false);
    assert.deepEqual(await contentSha256(dir, ids), new Map(ids.map((id) => [id, digests.get(id)])), 'cached answers agree');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
