// Tune jobs on datasets whose images are packed in zip archives (ModelScope's `train.zip` with
// class sub-folders): a prototypes job trains on the members of train.zip and validation.zip, and
// its model predicts right. Bad archives fail the job with a stable code, never INTERNAL: a member
// that inflates past what it declares, metadata naming a member that is not there, and rows naming
// a member of an archive outside every split (which only the job's own reader ever opens: its
// limits, not a preparation's, must hold). Evaluations on zip splits: test/eval-zip-media.test.ts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { noisyImage } from './fixtures/colour-images.js';
import { commitFiles, createDataset } from './helpers/dataset-repo.js';
import { jobLog } from './helpers/jobs.js';
import type { TestServer } from './helpers/moda-server.js';
import { BACKBONE, classify, COLOURS, probes, startImageTuningServer, tune } from './helpers/tune-image.js';
import { zipOf } from './helpers/zip-archive.js';

let server: TestServer;
/** Per split, `<colour>/<n>.png` → the image. */
const images: Record<'train' | 'validation', Record<string, Buffer>> = { train: {}, validation: {} };

before(async () => {
  server = await startImageTuningServer();
  let seed = 200;
  for (const [label, rgb] of Object.entries(COLOURS)) {
    for (let index = 0; index < 6; index++) {
      images[index < 4 ? 'train' : 'validation'][`${label}/${index}.png`] = await noisyImage(rgb, seed++);
    }
  }
  await createDataset(server, 'colours-zip');
  await commitFiles(server, 'admin/colours-zip', {
    'train.zip': zipOf(Object.entries(images.train).map(([name, data], index) => ({ name, data, method: index % 2 === 0 ? 0 : 8 }))),
    'validation.zip': zipOf(Object.entries(images.validation).map(([name, data]) => ({ name, data }))),
  });
});

after(() => server?.stop());

void test('a prototypes job trains on the members of zip splits, and its model predicts right', async () => {
  const job = await tune(server, { method: 'prototypes', base_model: BACKBONE, dataset: 'admin/colours-zip', output_repo: 'admin/zip-prototypes' });
  assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
  const log = (await jobLog(server.request, job.id)).join('\n');
  assert.match(log, /embedding 18 examples/);
  const outputs = await classify(server, 'admin/zip-prototypes', await probes());
  assert.deepEqual(outputs.map((labels) => labels[0]?.label), ['red', 'green', 'blue']);
});

void test('bad archives fail the tune job with a stable code, not INTERNAL', async () => {
  const red = images.train['red/0.png']!;
  const green = images.train['green/0.png']!;
  const liar = { name: 'blue/liar.png', data: Buffer.alloc(300_000, 9), declared: 100 };

  // A member that inflates past its declared size: the split fails to prepare, and so does every job on it.
  await createDataset(server, 'colours-bomb');
  await commitFiles(server, 'admin/colours-bomb', { 'train.zip': zipOf([{ name: 'red/0.png', data: red }, { name: 'green/0.png', data: green }, liar]) });
  // Metadata naming a member the archive does not hold.
  await createDataset(server, 'colours-missing');
  await commitFiles(server, 'admin/colours-missing', { 'train.zip': zipOf([{ name: 'a.png', data: red }, { name: 'b.png', data: green }, { name: 'metadata.csv', data: Buffer.from('file_name,label\na.png,red\nb.png,green\nc.png,blue\n') }]) });
  for (const [dataset, code] of [['admin/colours-bomb', 'DATASET_ARCHIVE_TOO_LARGE'], ['admin/colours-missing', 'DATASET_LAYOUT_INVALID']] as const) {
    const tuned = await tune(server, { method: 'prototypes', base_model: BACKBONE, dataset, output_repo: 'admin/never-written' });
    assert.deepEqual([tuned.state, tuned.error?.code], ['failed', code], JSON.stringify(tuned.error));
  }

  // Rows naming members of an archive no split reads: nothing prepared it, so the jobs' reader applies the limits itself.
  await createDataset(server, 'colours-outside');
  // Two rows per class (one can be held out for validation); the last one names the liar.
  const rows = ['red/0', 'red/1', 'green/0', 'green/1', 'blue/0', 'blue/liar'].map((name) => `pics.zip/${name}.png,${name.split('/')[0]!}`);
  await commitFiles(server, 'admin/colours-outside', {
    'README.md': '---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n    path: train.csv\n---\n',
    'train.csv': `image,label\n${rows.join('\n')}\n`,
    'pics.zip': zipOf([...['red/0', 'red/1', 'green/0', 'green/1', 'blue/0'].map((name) => ({ name: `${name}.png`, data: images.train[`${name}.png`]! })), liar]),
  });
  const bomb = await tune(server, { method: 'prototypes', base_model: BACKBONE, dataset: 'admin/colours-outside', columns: { image: 'image', label: 'label' }, output_repo: 'admin/never-written' });
  assert.deepEqual([bomb.state, bomb.error?.code], ['failed', 'DATASET_ARCHIVE_TOO_LARGE'], JSON.stringify(bomb.error));
  assert.match(bomb.error?.message ?? '', /pics\.zip: entry "blue\/liar\.png" inflates past the 100 bytes it declares/);
  assert.equal((await server.request('/api/models/admin/never-written')).status, 404);
});
