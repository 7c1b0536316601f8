// A model card whose YAML header is an alias bomb ("billion laughs") or nests very deep, sent through
// the public HTTP interface: validate-yaml refuses it with a clear error, a commit of it lands without
// the header being indexed, and the server keeps answering /healthz meanwhile.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/moda-server.js';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => server.stop());

function billionLaughs(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let level = 1; level < 10; level++) {
    const name = String.fromCharCode(97 + level);
    lines.push(`${name}: &${name} [${Array<string>(9).fill(`*${String.fromCharCode(96 + level)}`).join(', ')}]`);
  }
  return `---\nlicense: mit\n${lines.join('\n')}\n---\n# lol\n`;
}
const deepCard = `---\nx: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n---\n# deep\n`;

async function json(path: string, init: Parameters<TestServer['request']>[1]) {
  const response = await server.request(path, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

void test('validate-yaml refuses an alias bomb and a very deep header with a clear error; /healthz keeps answering', async () => {
  const health = server.request('/healthz', { token: null });
  for (const [content, pattern] of [[billionLaughs(), /could not be parsed: .*alias/i], [deepCard, /could not be parsed/]] as const) {
    const reply = await json('/api/validate-yaml', { method: 'POST', token: ADMIN_TOKEN, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content, repoType: 'model' }) });
    assert.equal(reply.status, 400, JSON.stringify(reply.body));
    const errors = reply.body.errors as { message: string }[];
    assert.match(errors[0]?.message ?? '', pattern);
  }
  assert.equal((await health).status, 200);
  assert.equal((await server.request('/healthz', { token: null })).status, 200);
});

async function commitReadme(name: string, readme: string) {
  const created = await json('/api/repos/create', { method: 'POST', token: ADMIN_TOKEN, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, organization: 'admin' }) });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const body = [
    { key: 'header', value: { summary: 'card' } },
    { key: 'file', value: { path: 'README.md', content: readme, encoding: 'utf-8' } },
  ]
    .map((line) => JSON.stringify(line))
    .join('\n');
  return json(`/api/models/admin/${name}/commit/main`, { method: 'POST', token: ADMIN_TOKEN, headers: { 'content-type': 'application/x-ndjson' }, body });
}

const cardData = async (name: string) => {
  const info = await json(`/api/models/admin/${name}?cardData=true`, { token: ADMIN_TOKEN });
  assert.equal(info.status, 200);
  return info.body.cardData as Record<string, unknown> | undefined;
};

void test('a commit of an alias-bomb README.md lands, its header is not indexed, and the server keeps answering', async () => {
  const control = await commitReadme('plain', '---\nlicense: mit\n---\n# plain\n');
  assert.equal(control.status, 200, JSON.stringify(control.body));
  assert.equal((await cardData('plain'))?.license, 'mit');
  const commit = await commitReadme('lol', billionLaughs());
  assert.equal(commit.status, 200, JSON.stringify(commit.body));
  assert.equal((await server.request('/healthz', { token: null })).status, 200);
  // The broken header gives no card data: not even the license line before the bomb is indexed.
  assert.equal((await cardData('lol'))?.license, undefined);
});
