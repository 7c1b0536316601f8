// Lineage as the Hub answers it: a card's `base_model` makes the model findable from its base with
// `GET /api/models?filter=base_model:<id>` and the Hub's relation form `base_model:<relation>:<id>`
// (finetune unless the card or the files say adapter, merge or quantized).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;

async function model(name: string, card: string, extra: Record<string, string> = {}): Promise<void> {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, type: 'model' }) });
  assert.equal(created.status, 200);
  const files = { 'README.md': card, ...extra };
  await uploadFiles({ repo: `admin/${name}`, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: Object.entries(files).map(([path, content]) => ({ path, content: new Blob([content]) })) });
}

async function ids(filter: string): Promise<string[]> {
  const response = await server.request(`/api/models?filter=${encodeURIComponent(filter)}`, { token: null });
  assert.equal(response.status, 200);
  return ((await response.json()) as { id: string }[]).map((entry) => entry.id).sort();
}

before(async () => {
  server = await startTestServer();
  await model('base', '---\nlicense: mit\n---\n# base\n');
  await model('tuned', '---\nbase_model: admin/base\n---\n# tuned\n');
  await model('quant', '---\nbase_model: admin/base\nbase_model_relation: quantized\n---\n# quant\n');
  await model('lora', '---\nbase_model: admin/base\n---\n# lora\n', { 'adapter_config.json': '{}' });
  await model('unrelated', '---\nbase_model: admin/other\n---\n');
});

after(() => server?.stop());

void test('models tuned from a base are found by filter=base_model:<id> and by their relation', async () => {
  assert.deepEqual(await ids('base_model:admin/base'), ['admin/lora', 'admin/quant', 'admin/tuned']);
  assert.deepEqual(await ids('base_model:finetune:admin/base'), ['admin/tuned']);
  assert.deepEqual(await ids('base_model:quantized:admin/base'), ['admin/quant']);
  assert.deepEqual(await ids('base_model:adapter:admin/base'), ['admin/lora']);
  assert.deepEqual(await ids('base_model:admin/nothing'), []);
  const info = (await (await server.request('/api/models/admin/tuned', { token: null })).json()) as { tags: string[]; cardData: { base_model: string } };
  assert.equal(info.cardData.base_model, 'admin/base', 'the tuned model links back through its card');
  assert.ok(info.tags.includes('base_model:finetune:admin/base'));
});
