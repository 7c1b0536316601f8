// /statistics of image and audio columns (measured from the files' headers when the split is
// prepared, in Hugging Face's `image` and `audio` shapes) and /size's num_bytes_memory (the Arrow
// in-memory size) through the public viewer API.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from './helpers/moda-server.js';
import { commitFiles, createDataset, viewer } from './helpers/dataset-repo.js';
import { pngOf, wavOf } from './helpers/media-files.js';

let server: TestServer;

interface Statistics {
  num_examples: number;
  statistics: { column_name: string; column_type: string; column_statistics: Record<string, unknown> }[];
  partial: boolean;
}

before(async () => {
  server = await startTestServer({ lfsThresholdBytes: 2048 });
});
after(() => server.stop());

void test('image columns: width statistics in the Hugging Face shape, heights beside them; an unreadable image is a null', async () => {
  await createDataset(server, 'pictures');
  await commitFiles(server, 'admin/pictures', {
    'train/cat/1.png': await pngOf(10, 20),
    'train/cat/2.png': await pngOf(30, 40, 1),
    'train/dog/3.png': await pngOf(50, 60, 2),
    'train/dog/4.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]),
  });
  const answer = await viewer<Statistics>(server, 'statistics?dataset=admin/pictures&config=default&split=train');
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(answer.body.num_examples, 4);
  const image = answer.body.statistics.find((entry) => entry.column_name === 'image');
  assert.ok(image, JSON.stringify(answer.body));
  assert.equal(image.column_type, 'image');
  const stats = image.column_statistics;
  assert.equal(stats.nan_count, 1);
  assert.equal(stats.nan_proportion, 0.25);
  assert.equal(stats.min, 10);
  assert.equal(stats.max, 50);
  assert.equal(stats.mean, 30);
  assert.equal(stats.median, 30);
  assert.equal(stats.std, 20);
  const histogram = stats.histogram as { hist: number[]; bin_edges: number[] };
  assert.equal(histogram.hist.reduce((sum, count) => sum + count, 0), 3);
  assert.equal(histogram.bin_edges[0], 10);
  assert.equal(histogram.bin_edges.at(-1), 50);
  const height = stats.height as Record<string, unknown>;
  assert.equal(height.min, 20);
  assert.equal(height.max, 60);
  assert.equal(height.nan_count, 1);
  // The class label column keeps its own statistics.
  assert.equal(answer.body.statistics.find((entry) => entry.column_name === 'label')?.column_type, 'class_label');
});

void test('audio columns: duration statistics in seconds from WAV headers, per row of the metadata', async () => {
  await createDataset(server, 'voices');
  await commitFiles(server, 'admin/voices', {
    'data/a.wav': wavOf(0.5),
    'data/b.wav': wavOf(1),
    'data/c.wav': wavOf(2),
    'data/d.wav': new Uint8Array(3000).fill(7),
    'data/metadata.jsonl': ['a', 'b', 'c', 'd'].map((name) => JSON.stringify({ file_name: `${name}.wav`, transcript: name })).join('\n') + '\n',
  });
  const answer = await viewer<Statistics>(server, 'statistics?dataset=admin/voices&config=default&split=train');
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const audio = answer.body.statistics.find((entry) => entry.column_name === 'audio');
  assert.ok(audio, JSON.stringify(answer.body));
  assert.equal(audio.column_type, 'audio');
  const stats = audio.column_statistics;
  assert.equal(stats.nan_count, 1);
  assert.equal(stats.min, 0.5);
  assert.equal(stats.max, 2);
  assert.equal(stats.mean, 1.16667);
  const histogram = stats.histogram as { hist: number[]; bin_edges: number[] };
  assert.equal(histogram.hist.length, 10);
  assert.deepEqual([histogram.hist[0], histogram.hist[3], histogram.hist[9]], [1, 1, 1]);
  assert.equal(histogram.bin_edges.length, 11);
});

void test('/size and /info give the Arrow in-memory size: offsets and bytes for text, widths for numbers, a validity bitmap for nulls', async () => {
  await createDataset(server, 'memory');
  // text: (4 + 5) + (4 + 3) + (4 + 0) bytes and a 1-byte bitmap for its null; label: 3 × 8 bytes.
  await commitFiles(server, 'admin/memory', { 'train.csv': 'text,label\nhello,1\nbye,0\n,2\n', 'test.csv': 'text,label\nok,1\n' });
  const size = await viewer<{ size: { dataset: Record<string, number>; configs: Record<string, number>[]; splits: Record<string, number | string>[] } }>(server, 'size?dataset=admin/memory');
  assert.equal(size.status, 200, JSON.stringify(size.body));
  const train = size.body.size.splits.find((split) => split.split === 'train');
  const testSplit = size.body.size.splits.find((split) => split.split === 'test');
  assert.equal(train?.num_bytes_memory, 20 + 1 + 24);
  assert.equal(testSplit?.num_bytes_memory, 6 + 8);
  assert.equal(size.body.size.configs[0]?.num_bytes_memory, 45 + 14);
  assert.equal(size.body.size.dataset.num_bytes_memory, 45 + 14);
  const info = await viewer<{ dataset_info: { splits: Record<string, { num_bytes: number }>; dataset_size: number } }>(server, 'info?dataset=admin/memory&config=default');
  assert.equal(info.body.dataset_info.splits.train?.num_bytes, 45);
  assert.equal(info.body.dataset_info.dataset_size, 59);
});
