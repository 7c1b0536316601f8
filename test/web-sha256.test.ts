// The web UI's incremental SHA-256 (LFS oids computed in the browser) against Node's crypto: every
// padding boundary, arbitrary piece splits, a multi-chunk Blob with progress, and abort.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Sha256, sha256OfBlob } from '../web/src/upload/sha256.js';

const expected = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

void test('matches node:crypto at every padding boundary', () => {
  assert.equal(new Sha256().hex(), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(new Sha256().update(new TextEncoder().encode('abc')).hex(), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  for (const length of [1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000]) {
    const bytes = randomBytes(length);
    assert.equal(new Sha256().update(bytes).hex(), expected(bytes), `length ${length}`);
  }
});

void test('pieces of any size give the digest of the whole', () => {
  const bytes = randomBytes(5000);
  for (const piece of [1, 3, 63, 64, 65, 700]) {
    const hash = new Sha256();
    for (let offset = 0; offset < bytes.length; offset += piece) hash.update(bytes.subarray(offset, offset + piece));
    assert.equal(hash.hex(), expected(bytes), `pieces of ${piece}`);
  }
  const finished = new Sha256();
  finished.hex();
  assert.throws(() => finished.update(bytes), /after digest/);
});

void test('hashes a Blob in chunks, reporting progress, and stops on abort', async () => {
  const bytes = randomBytes(9 * 1024 * 1024 + 17);
  const progress: number[] = [];
  assert.equal(await sha256OfBlob(new Blob([bytes]), { onBytes: (done) => progress.push(done) }), expected(bytes));
  assert.deepEqual(progress, [4 * 1024 * 1024, 8 * 1024 * 1024, bytes.length]);
  assert.equal(await sha256OfBlob(new Blob([])), expected(new Uint8Array()));
  const abort = new AbortController();
  abort.abort(new Error('cancelled by the user'));
  await assert.rejects(sha256OfBlob(new Blob([bytes]), { signal: abort.signal }), /cancelled by the user/);
});
