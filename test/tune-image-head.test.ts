// `method: "image-head"` end to end through the public API: a dozen generated images in an
// imagefolder dataset, a tune job on the starter backbone, then the tuned model's pipeline route.
// The result pins the backbone's commit: a later, broken commit to the backbone does not touch it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { uploadFiles } from '@huggingface/hub';
import { jobLog } from './helpers/jobs.js';
import { ADMIN_TOKEN, type TestServer } from './helpers/moda-server.js';
import { BACKBONE, classify, fileText, probes, startImageTuningServer, tune } from './helpers/tune-image.js';

let server: TestServer;

before(async () => {
  server = await startImageTuningServer();
});

after(() => server.stop());

void test('image-head: a tuned head on the frozen backbone, served at once, pinned to the backbone commit', async () => {
  const backboneCommit = ((await (await server.request(`/api/models/${BACKBONE}/revision/main`)).json()) as { sha: string }).sha;
  const job = await tune(server, { method: 'image-head', base_model: BACKBONE, dataset: 'admin/colours', output_repo: 'admin/colours-head', hyperparameters: { epochs: 30, learning_rate: 0.01 } });
  assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
  const result = job.result as { repo: string; commit: string; metrics: { accuracy: number }; stats: Record<string, number> };
  assert.equal(result.repo, 'admin/colours-head');
  assert.equal(result.metrics.accuracy, 1);
  assert.equal(result.stats.embedding_dimensions, 1792);
  assert.ok(result.stats.steps_per_second! > 0 && result.stats.embedded_per_second! > 0);
  const log = (await jobLog(server.request, job.id)).join('\n');
  assert.match(log, /embedded 12 examples/);
  assert.match(log, /^curve \{"epoch":1,/m);
  const configuration = JSON.parse(await fileText(server, 'admin/colours-head', 'configuration.json')) as { pipeline: { type: string }; backbone: { repo: string; commit: string }; task: string };
  assert.deepEqual(configuration.backbone, { repo: BACKBONE, commit: backboneCommit });
  assert.equal(configuration.pipeline.type, 'embedding-head');
  assert.equal(configuration.task, 'image-classification');
  const card = await fileText(server, 'admin/colours-head', 'README.md');
  assert.match(card, /base_model: moda\/image-features-mobilenetv2/);
  // The backbone moves on (here: to a commit that cannot load); the tuned model keeps its own.
  await uploadFiles({ repo: BACKBONE, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: [{ path: 'configuration.json', content: new Blob(['{"framework": "tfjs", "task": "image-feature-extraction", "pipeline": {"type": "tfjs-image-embedding"}, "model": {}}']) }] });
  const outputs = await classify(server, 'admin/colours-head', await probes());
  assert.deepEqual(outputs.map((labels) => labels[0]?.label), ['red', 'green', 'blue']);
  assert.ok(outputs.every((labels) => labels.length === 3 && Math.abs(labels.reduce((sum, entry) => sum + entry.score, 0) - 1) < 1e-3));
});
