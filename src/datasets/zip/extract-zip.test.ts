// The zip reader on crafted archives: a plain one unpacks; traversal, absolute paths, symlinks,
// duplicate names, too many entries, too many bytes, a high ratio, and an entry that inflates past
// what it declares are each refused with a stable code before anything lands outside the folder.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isModaError } from '../../errors/moda-error.js';
import { DEFAULT_ZIP_LIMITS, extractZip, type ZipLimits } from './extract-zip.js';
import { zipOf, type CraftedEntry } from '../../../test/helpers/zip-archive.js';

let dir: string;
let count = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moda-zip-'));
});
after(() => rm(dir, { recursive: true, force: true }));

async function unpack(entries: CraftedEntry[], limits?: ZipLimits): Promise<{ files: string[]; target: string }> {
  const archive = join(dir, `archive-${++count}.zip`);
  const target = join(dir, `out-${count}`, 'inner');
  await mkdir(target, { recursive: true });
  await writeFile(archive, zipOf(entries));
  return { files: await extractZip(archive, target, 'train.zip', limits), target };
}

async function refusal(entries: CraftedEntry[], limits?: ZipLimits): Promise<string> {
  try {
    await unpack(entries, limits);
  } catch (error) {
    assert.ok(isModaError(error), String(error));
    assert.match(error.message, /^train\.zip: /);
    return error.code;
  }
  assert.fail('the archive was unpacked');
}

void test('a plain archive unpacks, deflated and stored, folders included', async () => {
  const { files, target } = await unpack([
    { name: 'images/', data: Buffer.alloc(0), method: 0 },
    { name: 'images/cat.png', data: Buffer.from('not really a png'), method: 0 },
    { name: 'metadata.csv', data: Buffer.from('file_name,label\nimages/cat.png,cat\n'.repeat(50)) },
    { name: 'empty.txt', data: Buffer.alloc(0), method: 0 },
  ]);
  assert.deepEqual(files, ['empty.txt', 'images/cat.png', 'metadata.csv']);
  assert.equal(await readFile(join(target, 'metadata.csv'), 'utf8'), 'file_name,label\nimages/cat.png,cat\n'.repeat(50));
  assert.equal(await readFile(join(target, 'images/cat.png'), 'utf8'), 'not really a png');
});

void test('paths outside the folder, symlinks, duplicates, encryption-free but unknown methods are DATASET_ARCHIVE_INVALID', async () => {
  const small = Buffer.from('x');
  for (const name of ['../evil.txt', 'a/../../evil.txt', '/etc/evil', 'C:/evil.txt', 'a\\..\\evil.txt', './a.txt', 'a//b.txt']) {
    assert.equal(await refusal([{ name, data: small }]), 'DATASET_ARCHIVE_INVALID', name);
  }
  assert.equal(existsSync(join(dir, 'evil.txt')), false);
  assert.equal(await refusal([{ name: 'link', data: Buffer.from('/etc/passwd'), method: 0, mode: 0o120777 }]), 'DATASET_ARCHIVE_INVALID');
  assert.equal(await refusal([{ name: 'a.txt', data: small }, { name: 'a.txt', data: small }]), 'DATASET_ARCHIVE_INVALID');
  assert.equal(await refusal([{ name: 'a.txt', data: small, method: 12 }]), 'DATASET_ARCHIVE_INVALID');
  const notZip = join(dir, 'not.zip');
  await writeFile(notZip, 'hello, this is not a zip archive at all');
  await assert.rejects(extractZip(notZip, dir, 'train.zip'), (error: unknown) => isModaError(error) && error.code === 'DATASET_ARCHIVE_INVALID');
});

void test('too many entries, too many bytes, a bomb ratio, and an entry inflating past its declared size are DATASET_ARCHIVE_TOO_LARGE', async () => {
  const entries = Array.from({ length: 11 }, (_, index) => ({ name: `f${index}.txt`, data: Buffer.from('x') }));
  assert.equal(await refusal(entries, { ...DEFAULT_ZIP_LIMITS, maxEntries: 10 }), 'DATASET_ARCHIVE_TOO_LARGE');
  assert.equal(await refusal([{ name: 'a.bin', data: Buffer.alloc(5000, 1) }], { ...DEFAULT_ZIP_LIMITS, maxTotalBytes: 4000 }), 'DATASET_ARCHIVE_TOO_LARGE');
  // 64 MiB of zeros deflate to ~64 KiB: a thousandfold ratio.
  assert.equal(await refusal([{ name: 'zeros.bin', data: Buffer.alloc(64 * 1024 ** 2) }]), 'DATASET_ARCHIVE_TOO_LARGE');
  // The headers claim 10 bytes; inflating gives 100,000: stopped at the eleventh byte.
  assert.equal(await refusal([{ name: 'liar.bin', data: Buffer.alloc(100_000, 7), declared: 10 }]), 'DATASET_ARCHIVE_TOO_LARGE');
  // A short entry is refused too, with nothing more than what it declares written.
  assert.equal(await refusal([{ name: 'short.bin', data: Buffer.alloc(100, 7), declared: 1000 }]), 'DATASET_ARCHIVE_INVALID');
});
