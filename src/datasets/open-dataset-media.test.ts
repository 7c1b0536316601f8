// The media reader of eval and tune jobs on a real repo: repo files in git and in LFS, members of a
// zip archive in LFS and of one kept in git, in one call and in order; missing files, paths that try
// to leave an archive, and files past the size limit are refusals (an oversized member refused from
// its directory entry, never inflated); a member that inflates past what it declares fails with
// DATASET_ARCHIVE_TOO_LARGE. The archive is opened once for all the batches of a reader: the same
// file descriptor serves them, and close() releases it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readlink } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { gitDirOf } from '../hub/context.js';
import { listFiles } from '../hub/list-files.js';
import { isModaError } from '../errors/moda-error.js';
import { isMediaRefusal, openDatasetMedia, type DatasetMedia, type MediaRead, type MediaRequest } from './open-dataset-media.js';
import { createDataset } from '../../test/helpers/dataset-repo.js';
import { startTestServer, type TestServer } from '../../test/helpers/moda-server.js';
import { zipOf } from '../../test/helpers/zip-archive.js';

let server: TestServer;
let commit: string;
let petsPath: string;

/** Bytes that deflate poorly enough to stay above the LFS threshold. */
const bytesOf = (length: number, seed: number) => Buffer.from(Array.from({ length }, (_, index) => (index * index * 31 + seed * 7) & 0xff));
const cat1 = bytesOf(3000, 1);
const cat2 = bytesOf(3000, 2);
const dog = bytesOf(100, 3);
const inGitMember = bytesOf(40, 4);
const plain = bytesOf(500, 5);
const lfsFile = bytesOf(4000, 6);
const pets = zipOf([
  { name: 'cat/1.png', data: cat1, method: 0 },
  { name: 'cat/2.png', data: cat2 },
  { name: 'dog/3.png', data: dog },
  // Declares more than the limit: refused by its entry. It also lies (inflates far past 6000), so reading it would throw.
  { name: 'big/over.png', data: Buffer.alloc(200_000, 7), declared: 6000 },
  { name: 'big/liar.png', data: Buffer.alloc(200_000, 7), declared: 10 },
]);

before(async () => {
  server = await startTestServer({ lfsThresholdBytes: 2048 });
  await createDataset(server, 'media');
  // Inline files of the commit API: those under the LFS threshold stay in git (no .gitattributes pattern sends them to LFS).
  const files: Record<string, Uint8Array> = {
    '.gitattributes': Buffer.from('# no LFS patterns\n'),
    'pets.zip': pets,
    'small.zip': zipOf([{ name: 'x/y.bin', data: inGitMember }]),
    'img/a.png': plain,
    'img/b.bin': lfsFile,
    'img/huge.bin': bytesOf(6000, 8),
    'readme.txt': Buffer.from('not an archive'),
  };
  const lines = [{ key: 'header', value: { summary: 'media' } }, ...Object.entries(files).map(([path, content]) => ({ key: 'file', value: { path, content: Buffer.from(content).toString('base64'), encoding: 'base64' } }))];
  const committed = await server.request('/api/datasets/admin/media/commit/main', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines.map((line) => JSON.stringify(line)).join('\n') });
  assert.equal(committed.status, 200, await committed.clone().text());
  commit = ((await committed.json()) as { commitOid: string }).commitOid;
  const listed = await listFiles(gitDirOf(server.hub, 'dataset', 'admin', 'media'), commit);
  const lfs = Object.fromEntries(listed.map((file) => [file.path, file.lfs !== undefined]));
  assert.deepEqual([lfs['pets.zip'], lfs['small.zip'], lfs['img/a.png'], lfs['img/b.bin']], [true, false, false, true]);
  const local = server.hub.blobs.localPath?.(createHash('sha256').update(pets).digest('hex'));
  assert.ok(local, 'the test needs a blob store with local files');
  petsPath = local;
});

after(() => server?.stop());

async function openMedia(): Promise<DatasetMedia> {
  return openDatasetMedia(server.hub, gitDirOf(server.hub, 'dataset', 'admin', 'media'), commit, { maxFileBytes: 5000 });
}

async function readAll(media: DatasetMedia, paths: string[]): Promise<MediaRead[]> {
  const reads: MediaRead[] = [];
  for await (const read of media.read(paths.map((path, row): MediaRequest => ({ path, row })))) reads.push(read);
  return reads;
}

/** File descriptors of this process open on the pets archive's LFS object. */
async function petsDescriptors(): Promise<string[]> {
  const open: string[] = [];
  for (const fd of await readdir('/proc/self/fd')) if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) === petsPath) open.push(fd);
  return open;
}

void test('repo files and archive members in one call, in order; missing and oversized files are refusals', async () => {
  const media = await openMedia();
  try {
    const paths = ['img/a.png', 'pets.zip/cat/1.png', 'small.zip/x/y.bin', 'img/b.bin', 'pets.zip/cat/2.png', 'pets.zip/cat/1.png', 'pets.zip/nope.png', 'nope/x.png', 'readme.txt/x', 'pets.zip/../img/a.png', 'pets.zip/big/over.png', 'img/huge.bin'];
    const reads = await readAll(media, paths);
    assert.equal(reads.length, paths.length);
    const expected = [plain, cat1, inGitMember, lfsFile, cat2, cat1];
    expected.forEach((bytes, index) => assert.deepEqual(Buffer.from(reads[index] as Uint8Array), bytes, paths[index]));
    const refusals = reads.slice(expected.length).map((read) => (isMediaRefusal(read) ? read.refused : 'bytes'));
    assert.deepEqual(refusals, ['missing', 'missing', 'missing', 'missing', 'too-large', 'too-large']);
    const messages = reads.slice(expected.length).map((read) => (isMediaRefusal(read) ? read.message : ''));
    assert.match(messages[0]!, /^row 6: pets\.zip holds no file "nope\.png"/);
    assert.match(messages[4]!, /^row 10: pets\.zip\/big\/over\.png is 6000 bytes, more than the 5000/);
  } finally {
    await media.close();
  }
});

void test('the archive is opened once for every batch of a reader, and closed with it', async () => {
  const media = await openMedia();
  let during: string[];
  try {
    await readAll(media, ['pets.zip/cat/1.png']);
    during = await petsDescriptors();
    assert.equal(during.length, 1);
    for (let batch = 0; batch < 5; batch++) {
      const reads = await readAll(media, ['pets.zip/dog/3.png', 'pets.zip/cat/2.png', 'img/a.png']);
      assert.deepEqual(Buffer.from(reads[0] as Uint8Array), dog);
      assert.deepEqual(await petsDescriptors(), during, 'the same descriptor serves every batch');
    }
  } finally {
    await media.close();
  }
  assert.deepEqual(await petsDescriptors(), []);
});

void test('a member that inflates past what it declares fails with DATASET_ARCHIVE_TOO_LARGE', async () => {
  const media = await openMedia();
  try {
    await assert.rejects(readAll(media, ['img/a.png', 'pets.zip/big/liar.png']), (error: unknown) => isModaError(error) && error.code === 'DATASET_ARCHIVE_TOO_LARGE' && /big\/liar\.png/.test(error.message));
    // The reader is still usable for the good members.
    assert.deepEqual(Buffer.from((await readAll(media, ['pets.zip/dog/3.png']))[0] as Uint8Array), dog);
  } finally {
    await media.close();
  }
  assert.deepEqual(await petsDescriptors(), []);
});
