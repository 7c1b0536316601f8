// The starter benchmarks as the catalog ships them: moda/clue (six CLUE classification tasks in
// their published JSON-lines formats, with the human baseline and AliceMind as reference rows),
// the rendered OCR benchmark and the SpamAssassin held-out split. Each eval.yaml must name configs
// and splits that exist in its dataset as the viewer reads it, so each leaderboard opens clean.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { importCatalog } from '../src/catalog/import-catalog.js';
import { startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  const results = await importCatalog(server.hub, { only: ['clue', 'ocr-rendered-zh-en', 'spam-assassin'] });
  assert.deepEqual(results.map((result) => result.status), ['imported', 'imported', 'imported']);
});

after(async () => {
  await server.stop();
});

interface Summary {
  id: string;
  tasks: string[];
  metric: string;
  higher_is_better: boolean;
  error: { code: string; message: string } | null;
}

void test('all three starter benchmarks are listed, valid, with their ranking metric and direction', async () => {
  const response = await server.request('/api/leaderboards', { token: null });
  assert.equal(response.status, 200);
  const { leaderboards } = (await response.json()) as { leaderboards: Summary[] };
  assert.deepEqual(
    leaderboards.map((entry) => [entry.id, entry.error, entry.metric, entry.higher_is_better, entry.tasks.length]),
    [
      ['moda/clue', null, 'accuracy', true, 6],
      ['moda/ocr-rendered-zh-en', null, 'cer', false, 1],
      ['moda/spam-assassin', null, 'accuracy', true, 1],
    ],
  );
});

void test('moda/clue: the six CLUE tasks and the reference rows from the seed report, each with a source', async () => {
  const board = (await (await server.request('/api/leaderboards/moda/clue', { token: null })).json()) as {
    tasks: { id: string; config: string; split: string }[];
    reference_rows: { name: string; score: number; status: string; source: { url: string; name?: string } }[];
  };
  assert.deepEqual(board.tasks.map((task) => task.id), ['afqmc', 'tnews', 'iflytek', 'ocnli', 'cluewsc2020', 'csl']);
  assert.deepEqual(board.reference_rows.map((row) => [row.score, row.status]), [[0.86678, 'reported'], [0.86685, 'reported'], [0.85738, 'reported']]);
  for (const row of board.reference_rows) assert.match(row.source.url, /^https:\/\//);
});

void test("moda/clue's samples are in CLUE's exact formats, read by the viewer", async () => {
  const splits = (await (await server.request('/datasets-server/splits?dataset=moda/clue', { token: null })).json()) as { splits: { config: string; split: string }[] };
  assert.deepEqual(splits.splits.map((entry) => `${entry.config}/${entry.split}`).sort(), ['afqmc/validation', 'cluewsc2020/validation', 'csl/validation', 'iflytek/validation', 'ocnli/validation', 'tnews/validation']);
  const expected: Record<string, string[]> = {
    afqmc: ['sentence1', 'sentence2', 'label'],
    tnews: ['label', 'label_desc', 'sentence', 'keywords'],
    iflytek: ['label', 'label_des', 'sentence'],
    ocnli: ['level', 'sentence1', 'sentence2', 'label', 'label0', 'label1', 'label2', 'label3', 'label4', 'genre', 'prem_id', 'id'],
    cluewsc2020: ['target', 'idx', 'label', 'text'],
    csl: ['id', 'abst', 'keyword', 'label'],
  };
  for (const [config, columns] of Object.entries(expected)) {
    const response = await server.request(`/datasets-server/first-rows?dataset=moda/clue&config=${config}&split=validation`, { token: null });
    assert.equal(response.status, 200, `${config}: ${await response.clone().text()}`);
    const page = (await response.json()) as { features: { name: string }[]; rows: unknown[] };
    assert.deepEqual(page.features.map((feature) => feature.name).sort(), [...columns].sort(), config);
    assert.ok(page.rows.length >= 2, config);
  }
});
