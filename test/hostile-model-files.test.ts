// Hostile model files, built here the way a user with a write token would upload them, fail only
// their own load or request with a stable code, a bounded time and no server path in the answer;
// the server keeps answering /healthz and serving other models. (Issue 20's validation and limits
// inside the pipelines; process isolation is tested where it is built.)
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import type { ModelFile } from './fixtures/tiny-models.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
/** Every error body seen, checked at the end for server paths. */
const errorBodies: string[] = [];

const text = (path: string, content: string): ModelFile => ({ path, content: Buffer.from(content, 'utf8') });
const json = (path: string, value: unknown): ModelFile => text(path, JSON.stringify(value));

async function publish(name: string, files: ModelFile[]): Promise<void> {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: `admin/${name}`, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
}

async function infer(repo: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> & { code?: string; error?: string } }> {
  const response = await server.request(`/api/v1/models/${repo}/pipeline`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const raw = await response.text();
  if (!response.ok) errorBodies.push(raw);
  return { status: response.status, body: JSON.parse(raw) as Record<string, unknown> };
}

async function expectRefused(repo: string, body: unknown, status: number, code: string, message: RegExp): Promise<void> {
  const answer = await infer(repo, body);
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.code, code);
  assert.match(String(answer.body.error), message);
}

async function assertHealthy(): Promise<void> {
  const health = await server.request('/healthz', { token: null });
  assert.equal(health.status, 200);
}

function jiebaRepo(idf: string): ModelFile[] {
  return [
    json('configuration.json', { framework: 'jieba', task: 'word-segmentation', pipeline: { type: 'jieba-word-segmentation' }, model: { type: 'jieba', dictionary: 'dict.txt', idf: 'idf.txt' } }),
    text('dict.txt', '清华 30 nt\n大学 50 n\n清华大学 20 nt\n北京 40 ns\n'),
    text('idf.txt', idf),
  ];
}

before(async () => {
  server = await startTestServer();
  await publish('jieba-good', jiebaRepo('清华大学 9.5\n北京 6.1\n'));
  await publish('jieba-empty-idf', jiebaRepo(''));
  await publish('jieba-nan-idf', jiebaRepo('清华大学 9.5\nword notanumber\n'));
});

after(() => server.stop());

void test('a jieba IDF table that is empty or holds a non-numeric weight is refused at load; the server keeps serving', async () => {
  await expectRefused('admin/jieba-empty-idf', { input: '北京清华大学' }, 422, 'MODEL_FILE_INVALID', /idf\.txt is not a jieba table: the IDF table holds no entries/);
  await assertHealthy();
  await expectRefused('admin/jieba-nan-idf', { input: '北京清华大学' }, 422, 'MODEL_FILE_INVALID', /line 2: the weight "notanumber" is not a finite number/);
  await assertHealthy();
  const good = await infer('admin/jieba-good', { input: '北京清华大学', parameters: { keywords: 1 } });
  assert.equal(good.status, 200, JSON.stringify(good.body));
  assert.deepEqual((good.body.output as { tokens: { word: string }[] }).tokens.map((token) => token.word), ['北京', '清华大学']);
});

void test('no error body names a server path', () => {
  assert.ok(errorBodies.length > 0);
  for (const body of errorBodies) {
    assert.ok(!body.includes(server.home), body);
    assert.ok(!body.includes(tmpdir()), body);
  }
});
