// Images and audio packed in zip archives (ModelScope ships `train.zip` of images) through the
// viewer API: class sub-folders give a `label`, CSV/JSON lines files inside name the members with
// their columns; rows link each member through /datasets-server/archive-member, which serves its
// bytes with their media type (ranges for stored members) to those who can read the repo;
// statistics of the media columns are measured as for plain media folders. Bad archives — a member
// name that escapes, metadata naming a missing member, a member that inflates past its limits —
// each fail with a stable code.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';
import { commitFiles, createDataset, viewer } from './helpers/dataset-repo.js';
import { pngOf, wavOf } from './helpers/media-files.js';
import { zipOf } from './helpers/zip-archive.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ lfsThresholdBytes: 2048 });
});
after(() => server.stop());

interface Page {
  features: { name: string; type: Record<string, unknown> }[];
  rows: { row_idx: number; row: Record<string, unknown> }[];
  num_rows_total: number;
}

interface Splits {
  splits: { split: string }[];
  failed: { split: string; error: { code: string; error: string } }[];
}

interface Statistics {
  statistics: { column_name: string; column_type: string; column_statistics: Record<string, unknown> }[];
}

/** A URL the viewer gave, fetched through the test server with `token`. */
function fetchUrl(url: string, token?: string | null, headers: Record<string, string> = {}): Promise<Response> {
  const parsed = new URL(url);
  return server.request(parsed.pathname + parsed.search, { headers, ...(token !== undefined && { token }) });
}

function memberUrl(dataset: string, archive: string, member: string): string {
  return `/datasets-server/archive-member?${new URLSearchParams({ dataset, archive, member }).toString()}`;
}

void test('a zip of class folders: image rows with labels, member URLs that serve the images, width statistics', async () => {
  const cat1 = await pngOf(10, 20);
  const cat2 = await pngOf(30, 40, 1);
  const dog = await pngOf(50, 60, 2);
  await createDataset(server, 'zipped-pets');
  await commitFiles(server, 'admin/zipped-pets', {
    'train.zip': zipOf([
      { name: 'train/cat/1.png', data: Buffer.from(cat1), method: 0 },
      { name: 'train/cat/2.png', data: Buffer.from(cat2) },
      { name: 'train/dog/3.png', data: Buffer.from(dog), method: 0 },
      { name: '__MACOSX/train/cat/._1.png', data: Buffer.from('junk') },
    ]),
  });
  const splits = await viewer<Splits>(server, 'splits?dataset=admin/zipped-pets');
  assert.deepEqual(splits.body.failed, []);
  const page = await viewer<Page>(server, 'rows?dataset=admin/zipped-pets&split=train');
  assert.equal(page.status, 200, JSON.stringify(page.body));
  assert.equal(page.body.num_rows_total, 3);
  assert.deepEqual(page.body.features.map((feature) => [feature.name, feature.type._type]), [['image', 'Image'], ['label', 'ClassLabel']]);
  assert.deepEqual(page.body.features[1]?.type.names, ['cat', 'dog']);
  assert.deepEqual(page.body.rows.map((row) => row.row.label), [0, 0, 1]);
  const sources = page.body.rows.map((row) => (row.row.image as { src: string }).src);
  for (const src of sources) assert.match(src, /\/datasets-server\/archive-member\?dataset=admin%2Fzipped-pets&revision=[0-9a-f]{40}&archive=train.zip&member=train%2F/);

  // Stored and deflated members both come back whole, as images.
  for (const [index, expected] of [cat1, cat2, dog].entries()) {
    const response = await fetchUrl(sources[index] as string);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/png');
    assert.deepEqual(new Uint8Array(await response.arrayBuffer()), expected);
  }
  // A stored member answers a range; a deflated one sends the whole file instead.
  const ranged = await fetchUrl(sources[0] as string, undefined, { range: 'bytes=1-3' });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers.get('content-range'), `bytes 1-3/${cat1.length}`);
  assert.deepEqual(new Uint8Array(await ranged.arrayBuffer()), cat1.subarray(1, 4));
  const whole = await fetchUrl(sources[1] as string, undefined, { range: 'bytes=1-3' });
  assert.equal(whole.status, 200);
  assert.equal((await whole.arrayBuffer()).byteLength, cat2.length);
  const head = await server.request(new URL(sources[2] as string).pathname + new URL(sources[2] as string).search, { method: 'HEAD' });
  assert.equal(head.headers.get('content-length'), String(dog.length));

  const statistics = await viewer<Statistics>(server, 'statistics?dataset=admin/zipped-pets&split=train');
  const image = statistics.body.statistics.find((entry) => entry.column_name === 'image');
  assert.equal(image?.column_type, 'image', JSON.stringify(statistics.body));
  assert.equal(image.column_statistics.min, 10);
  assert.equal(image.column_statistics.max, 50);
  assert.equal((image.column_statistics.height as Record<string, unknown>).max, 60);
  assert.equal(statistics.body.statistics.find((entry) => entry.column_name === 'label')?.column_type, 'class_label');
});

void test('a zip of audio with a JSON lines file naming the members: its columns per row, durations, audio URLs', async () => {
  await createDataset(server, 'zipped-voices');
  await commitFiles(server, 'admin/zipped-voices', {
    'test.zip': zipOf([
      { name: 'clips/a.wav', data: Buffer.from(wavOf(0.5)) },
      { name: 'clips/b.wav', data: Buffer.from(wavOf(1.5)) },
      { name: 'clips/unlisted.wav', data: Buffer.from(wavOf(1)) },
      { name: 'transcripts.jsonl', data: Buffer.from('{"file_name":"clips/a.wav","text":"one"}\n{"file_name":"clips/b.wav","text":"two"}\n') },
    ]),
  });
  const page = await viewer<Page>(server, 'rows?dataset=admin/zipped-voices&split=test');
  assert.equal(page.status, 200, JSON.stringify(page.body));
  assert.deepEqual(page.body.features.map((feature) => feature.name), ['audio', 'text']);
  assert.deepEqual(page.body.rows.map((row) => row.row.text), ['one', 'two']);
  const [clip] = page.body.rows[1]?.row.audio as { src: string; type: string }[];
  assert.equal(clip?.type, 'audio/wav');
  const response = await fetchUrl(clip?.src ?? '');
  assert.equal(response.headers.get('content-type'), 'audio/wav');
  assert.deepEqual(new Uint8Array(await response.arrayBuffer()), wavOf(1.5));
  const statistics = await viewer<Statistics>(server, 'statistics?dataset=admin/zipped-voices&split=test');
  const audio = statistics.body.statistics.find((entry) => entry.column_name === 'audio');
  assert.equal(audio?.column_type, 'audio');
  assert.equal(audio.column_statistics.min, 0.5);
  assert.equal(audio.column_statistics.max, 1.5);
  const info = await viewer<{ dataset_info: { builder_name: string } }>(server, 'info?dataset=admin/zipped-voices&config=default');
  assert.equal(info.body.dataset_info.builder_name, 'audiofolder');
});

void test('members of a private dataset are a 404 to anyone who cannot read it', async () => {
  const owner = await createUserWithToken(server, 'zipowner');
  const other = await createUserWithToken(server, 'zipother');
  await createDataset(server, 'zipowner/secret-pets', { private: true, token: owner });
  await commitFiles(server, 'zipowner/secret-pets', { 'train.zip': zipOf([{ name: 'a/1.png', data: Buffer.from(await pngOf(4, 4)) }, { name: 'b/2.png', data: Buffer.from(await pngOf(4, 4, 1)) }]) }, owner);
  const path = memberUrl('zipowner/secret-pets', 'train.zip', 'a/1.png');
  for (const token of [null, other]) {
    const response = await server.request(path, { token });
    assert.deepEqual([response.status, response.headers.get('x-error-code')], [404, 'RepoNotFound']);
  }
  const page = await viewer<Page>(server, 'rows?dataset=zipowner/secret-pets&split=train', owner);
  const src = (page.body.rows[0]?.row.image as { src: string }).src;
  assert.equal((await fetchUrl(src, owner)).status, 200);
  assert.equal((await fetchUrl(src, other)).status, 404);
});

void test('bad archives and bad member requests each get a stable code', async () => {
  await createDataset(server, 'zipped-hostile');
  const png = Buffer.from(await pngOf(4, 4));
  await commitFiles(server, 'admin/zipped-hostile', {
    // A member whose name escapes the archive.
    'train.zip': zipOf([{ name: 'cat/1.png', data: png }, { name: 'cat/../../../escape.png', data: png }]),
    // Metadata naming a member the archive does not hold, and one naming a path outside it.
    'validation.zip': zipOf([{ name: 'images/1.png', data: png }, { name: 'metadata.csv', data: Buffer.from('file_name,caption\nimages/1.png,here\nimages/missing.png,gone\n') }]),
    'test.zip': zipOf([{ name: 'images/1.png', data: png }, { name: 'metadata.jsonl', data: Buffer.from('{"file_name":"../../etc/passwd","caption":"x"}\n') }]),
    // A member of 64 MiB that deflates a thousandfold.
    'extra/huge.zip': zipOf([{ name: 'images/1.png', data: png }, { name: 'images/zeros.png', data: Buffer.alloc(64 * 1024 ** 2) }]),
    'README.md': '---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n    path: train.zip\n  - split: validation\n    path: validation.zip\n  - split: test\n    path: test.zip\n  - split: huge\n    path: extra/huge.zip\n---\n',
  });
  const splits = await viewer<Splits>(server, 'splits?dataset=admin/zipped-hostile');
  assert.deepEqual(splits.body.splits, []);
  const failed = Object.fromEntries(splits.body.failed.map((entry) => [entry.split, entry.error.code]));
  assert.deepEqual(failed, { train: 'DATASET_ARCHIVE_INVALID', validation: 'DATASET_LAYOUT_INVALID', test: 'DATASET_LAYOUT_INVALID', huge: 'DATASET_ARCHIVE_TOO_LARGE' });
  const messages = Object.fromEntries(splits.body.failed.map((entry) => [entry.split, entry.error.error]));
  assert.match(messages.validation ?? '', /images\/missing\.png/);
  assert.match(messages.test ?? '', /etc\/passwd/);

  // The member route applies the same checks to the archive it reads.
  const member = async (archive: string, name: string) => {
    const response = await server.request(memberUrl('admin/zipped-hostile', archive, name));
    return [response.status, response.headers.get('x-error-code')];
  };
  assert.deepEqual(await member('train.zip', 'cat/1.png'), [422, 'DATASET_ARCHIVE_INVALID']);
  assert.deepEqual(await member('extra/huge.zip', 'images/1.png'), [422, 'DATASET_ARCHIVE_TOO_LARGE']);
  assert.deepEqual(await member('validation.zip', '../validation.zip'), [400, 'VALIDATION_FAILED']);
  assert.deepEqual(await member('validation.zip', '/etc/passwd'), [400, 'VALIDATION_FAILED']);
  assert.deepEqual(await member('validation.zip', 'images/missing.png'), [404, 'EntryNotFound']);
  assert.deepEqual(await member('missing.zip', 'images/1.png'), [404, 'EntryNotFound']);
  assert.deepEqual(await member('README.md', 'images/1.png'), [400, 'VALIDATION_FAILED']);
  assert.deepEqual(await member('../x.zip', 'images/1.png'), [400, 'PATH_INVALID']);
  const good = await server.request(memberUrl('admin/zipped-hostile', 'validation.zip', 'images/1.png'));
  assert.equal(good.status, 200);
  assert.deepEqual(Buffer.from(await good.arrayBuffer()), png);
});

void test('a member whose header understates its size is refused before a byte of it is sent', async () => {
  await createDataset(server, 'zipped-liar');
  const png = Buffer.from(await pngOf(4, 4));
  await commitFiles(server, 'admin/zipped-liar', { 'train.zip': zipOf([{ name: 'a/1.png', data: png }, { name: 'b/liar.png', data: Buffer.alloc(200_000, 7), declared: 10 }]) });
  const response = await server.request(memberUrl('admin/zipped-liar', 'train.zip', 'b/liar.png'));
  // The first inflated chunk already passes the 10 bytes declared: refused before a byte is sent.
  assert.deepEqual([response.status, response.headers.get('x-error-code')], [422, 'DATASET_ARCHIVE_TOO_LARGE']);
  assert.doesNotMatch(await response.text(), /\x07/);
  const splits = await viewer<Splits>(server, 'splits?dataset=admin/zipped-liar');
  assert.equal(splits.body.failed[0]?.error.code, 'DATASET_ARCHIVE_TOO_LARGE');
});
