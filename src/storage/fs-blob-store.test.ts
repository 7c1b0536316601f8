// The file-system blob store through its public contract, with direct and with buffered writes:
// sizes around the block and slot boundaries of the direct writer, chunks that straddle them, and
// uploads that must leave nothing behind.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ModaError } from '../errors/moda-error.js';
import { createFileWriter } from './file-writers.js';
import { FsBlobStore } from './fs-blob-store.js';

const MiB = 1024 * 1024;
const roots: string[] = [];
after(async () => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

/** `content` cut into chunks of the given sizes, in turn, the way a socket hands them over. */
function* chunked(content: Buffer, sizes: number[]): Generator<Uint8Array> {
  for (let offset = 0, index = 0; offset < content.length; index++) {
    const size = sizes[index % sizes.length] as number;
    yield content.subarray(offset, offset + size);
    offset += size;
  }
}

const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');

for (const mode of ['direct', 'buffered'] as const) {
  const options = { directIo: mode === 'direct' };
  const newRoot = async () => {
    const root = await mkdtemp(join(tmpdir(), 'moda-blobs-'));
    roots.push(root);
    return root;
  };

  void test(`blob store with ${mode} writes: sizes around block and slot boundaries round-trip`, async () => {
    const root = await newRoot();
    // The test machines' disks (ext4) take O_DIRECT; this checks the direct path really runs.
    const probe = await createFileWriter(join(root, 'probe'), { direct: options.directIo });
    assert.equal(probe.mode, mode);
    await probe.close();
    await rm(join(root, 'probe'));
    const store = new FsBlobStore(root, options);
    const sizes = [0, 1, 4095, 4096, 4097, MiB - 1, MiB, MiB + 1, 4 * MiB, 5 * MiB + 12345];
    for (const size of sizes) {
      const content = randomBytes(size);
      const oid = sha256(content);
      assert.deepEqual(await store.write(chunked(content, [65536, 7, 1000003]), { oid, size }), { oid, size });
      assert.deepEqual(await store.stat(oid), { oid, size });
      assert.ok((await readFile(store.localPath(oid))).equals(content), `${size} bytes read back whole`);
      const parts: Buffer[] = [];
      for await (const part of await store.read(oid, size > 2 ? { start: 1, end: size - 2 } : undefined)) parts.push(part as Buffer);
      assert.ok(Buffer.concat(parts).equals(size > 2 ? content.subarray(1, size - 1) : content), `${size} bytes read back as a range`);
    }
    assert.deepEqual(await readdir(join(root, 'tmp')), [], 'no temp files left');
  });

  void test(`blob store with ${mode} writes: a wrong digest, an oversized or aborted upload keeps nothing`, async () => {
    const store = new FsBlobStore(await newRoot(), options);
    const content = randomBytes(3 * MiB + 5);
    const oid = sha256(content);

    const wrongDigest = sha256(Buffer.from('something else'));
    await assert.rejects(store.write(chunked(content, [65536]), { oid: wrongDigest, size: content.length }), (error: unknown) => error instanceof ModaError && error.code === 'LFS_OBJECT_MISMATCH');
    await assert.rejects(store.write(chunked(content, [65536]), { oid, size: content.length - 1 }), (error: unknown) => error instanceof ModaError && error.code === 'LFS_OBJECT_MISMATCH');
    const controller = new AbortController();
    async function* abortHalfway() {
      yield content.subarray(0, 2 * MiB);
      controller.abort();
      yield content.subarray(2 * MiB);
    }
    await assert.rejects(store.write(abortHalfway(), { oid, size: content.length }, controller.signal));
    assert.equal(await store.stat(oid), undefined);
    assert.equal(await store.stat(wrongDigest), undefined);
    assert.deepEqual(await readdir(join(store.localPath(oid), '..', '..', '..', 'tmp')), [], 'no temp files left');
    await assert.rejects(store.read(oid), (error: unknown) => error instanceof ModaError && error.code === 'LFS_OBJECT_MISSING');
  });
}
