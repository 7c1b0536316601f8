// Token lifecycle through HTTP and the CLI: tokens that expire (and are then refused with
// AUTH_TOKEN_EXPIRED), the last-used time, and fine-grained tokens limited to named repos that act
// as strangers everywhere else, with whoami showing their scope; each bad input has its code.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from '../helpers/moda-server.js';
import { runModa } from './cli-helper.js';

let server: TestServer;
let alice: string;
let work: string;

const json = (method: string, body: unknown) => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const ndjson = (summary: string, path: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-ndjson' },
  body: [{ key: 'header', value: { summary } }, { key: 'file', value: { path, content: Buffer.from(summary).toString('base64'), encoding: 'base64' } }].map((line) => JSON.stringify(line)).join('\n'),
});

async function createToken(token: string, body: Record<string, unknown>): Promise<Response> {
  return server.request('/api/tokens', { ...json('POST', { name: 'scoped', role: 'write', ...body }), token });
}

async function refusal(response: Response): Promise<{ status: number; code: string | null }> {
  await response.arrayBuffer();
  return { status: response.status, code: response.headers.get('x-error-code') };
}

before(async () => {
  server = await startTestServer();
  work = await mkdtemp(join(tmpdir(), 'moda-token-lifecycle-'));
  alice = await createUserWithToken(server, 'alice', 'write');
  await createUserWithToken(server, 'bob', 'write');
  for (const [token, name, visibility] of [
    [alice, 'alice/kept', 'private'],
    [alice, 'alice/other-private', 'private'],
    [alice, 'alice/other-public', 'public'],
  ] as const) {
    const created = await server.request('/api/repos/create', { ...json('POST', { name, private: visibility === 'private' }), token });
    assert.equal(created.status, 200, await created.text());
  }
  const data = await server.request('/api/repos/create', { ...json('POST', { name: 'alice/data', type: 'dataset', private: true }), token: alice });
  assert.equal(data.status, 200);
  const bobs = await server.request('/api/repos/create', { ...json('POST', { name: 'bob/secret', private: true }), token: ADMIN_TOKEN });
  assert.equal(bobs.status, 200);
});

after(async () => {
  await server.stop();
  await rm(work, { recursive: true, force: true });
});

void test('a token with an expiry works until then, is listed with it, and is refused after with AUTH_TOKEN_EXPIRED', async () => {
  const longLived = await createToken(alice, { name: 'month', expiresIn: '30d' });
  assert.equal(longLived.status, 201);
  const created = (await longLived.json()) as { expiresAt: string; expired: boolean };
  const days = (Date.parse(created.expiresAt) - Date.now()) / 86_400_000;
  assert.ok(days > 29.9 && days <= 30, `expires in ${days} days`);
  assert.equal(created.expired, false);

  const soon = new Date(Date.now() + 3000).toISOString();
  const short = (await (await createToken(alice, { name: 'short', role: 'read', expiresAt: soon })).json()) as { token: string; id: string };
  assert.equal((await server.request('/api/whoami-v2', { token: short.token })).status, 200);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(soon) - Date.now()) + 200));
  const expired = await server.request('/api/whoami-v2', { token: short.token });
  assert.deepEqual(await refusal(expired), { status: 401, code: 'AUTH_TOKEN_EXPIRED' });
  const listed = (await (await server.request('/api/tokens', { token: alice })).json()) as { id: string; expired: boolean; expiresAt: string | null }[];
  assert.equal(listed.find((token) => token.id === short.id)?.expired, true);
  assert.equal(listed.find((token) => token.id === short.id)?.expiresAt, soon);
});

void test('bad expiries are refused with VALIDATION_FAILED and no token is made', async () => {
  const before = ((await (await server.request('/api/tokens', { token: alice })).json()) as unknown[]).length;
  for (const body of [
    { expiresIn: 'soon' },
    { expiresIn: '0d' },
    { expiresIn: '30m' },
    { expiresIn: '-1d' },
    { expiresIn: '99999w' },
    { expiresAt: 'tomorrow' },
    { expiresAt: '2001-01-01' },
    { expiresAt: '2999-13-45' },
    { expiresIn: '1d', expiresAt: '2099-01-01' },
    { expiresAt: '2999-01-01' },
    { expiresIn: 30 },
  ]) {
    assert.deepEqual(await refusal(await createToken(alice, body)), { status: 400, code: 'VALIDATION_FAILED' }, JSON.stringify(body));
  }
  assert.equal(((await (await server.request('/api/tokens', { token: alice })).json()) as unknown[]).length, before);
});

void test('the last-used time is recorded and listed', async () => {
  const fresh = (await (await createToken(alice, { name: 'used' })).json()) as { id: string; token: string; lastUsedAt: string | null };
  assert.equal(fresh.lastUsedAt, null);
  assert.equal((await server.request('/api/whoami-v2', { token: fresh.token })).status, 200);
  const listed = (await (await server.request('/api/tokens', { token: alice })).json()) as { id: string; lastUsedAt: string | null }[];
  const lastUsed = listed.find((token) => token.id === fresh.id)?.lastUsedAt;
  assert.ok(lastUsed && Math.abs(Date.parse(lastUsed) - Date.now()) < 600_000, `lastUsedAt ${lastUsed}`);
});

void test('a fine-grained token acts only on its repos, and is a stranger elsewhere', async () => {
  const response = await createToken(alice, { repos: ['alice/kept', 'datasets/alice/data'] });
  assert.equal(response.status, 201);
  const scoped = (await response.json()) as { token: string; repos: string[] };
  assert.deepEqual(scoped.repos, ['datasets/alice/data', 'alice/kept']);
  const as = (path: string, init: RequestInit = {}) => server.request(path, { ...init, token: scoped.token });

  const whoami = (await (await as('/api/whoami-v2')).json()) as { name: string; auth: { accessToken: { role: string; fineGrained: { scoped: { entity: { type: string; name: string }; permissions: string[] }[] } } } };
  assert.equal(whoami.name, 'alice');
  assert.equal(whoami.auth.accessToken.role, 'fineGrained');
  assert.deepEqual(
    whoami.auth.accessToken.fineGrained.scoped.map((entry) => `${entry.entity.type}:${entry.entity.name}`),
    ['dataset:alice/data', 'model:alice/kept'],
  );
  assert.ok(whoami.auth.accessToken.fineGrained.scoped.every((entry) => entry.permissions.includes('repo.write')));

  // Inside its scope: the user's rights.
  assert.equal((await as('/api/models/alice/kept')).status, 200);
  assert.equal((await as('/api/datasets/alice/data')).status, 200);
  assert.equal((await as('/api/models/alice/kept/commit/main', ndjson('scoped write', 'a.txt'))).status, 200);
  // Outside: private repos do not exist, public ones are read-only, and nothing account-wide works.
  assert.deepEqual(await refusal(await as('/api/models/alice/other-private')), { status: 404, code: 'RepoNotFound' });
  assert.equal((await as('/api/models/alice/other-public')).status, 200);
  assert.deepEqual(await refusal(await as('/api/models/alice/other-public/commit/main', ndjson('outside', 'b.txt'))), { status: 403, code: 'AUTH_TOKEN_SCOPE' });
  const lfs = await as('/alice/other-public.git/info/lfs/objects/batch', { method: 'POST', headers: { 'content-type': 'application/vnd.git-lfs+json' }, body: JSON.stringify({ operation: 'upload', objects: [{ oid: 'b'.repeat(64), size: 1 }] }) });
  assert.deepEqual(await refusal(lfs), { status: 403, code: 'AUTH_TOKEN_SCOPE' });
  assert.deepEqual(await refusal(await as('/api/repos/create', json('POST', { name: 'alice/new' }))), { status: 403, code: 'AUTH_TOKEN_SCOPE' });
  assert.deepEqual(await refusal(await as('/api/tokens', json('POST', { name: 'escalate', role: 'write' }))), { status: 403, code: 'AUTH_TOKEN_SCOPE' });
  assert.deepEqual(await refusal(await as('/api/models/alice/other-public/settings', json('PUT', { private: true }))), { status: 403, code: 'AUTH_TOKEN_SCOPE' });
  assert.deepEqual(await refusal(await as('/api/repos/delete', json('DELETE', { name: 'alice/other-public' }))), { status: 403, code: 'AUTH_TOKEN_SCOPE' });
  const listing = (await (await as('/api/models?author=alice')).json()) as { id: string }[];
  assert.deepEqual(listing.map((repo) => repo.id).sort(), ['alice/kept', 'alice/other-public'], 'search shows what anyone sees and the named repos');
});

void test('a read-only fine-grained token reads its repos and writes nothing', async () => {
  const scoped = (await (await createToken(alice, { role: 'read', repos: ['alice/kept'] })).json()) as { token: string };
  assert.equal((await server.request('/api/models/alice/kept', { token: scoped.token })).status, 200);
  assert.deepEqual(await refusal(await server.request('/api/models/alice/kept/commit/main', { ...ndjson('ro', 'c.txt'), token: scoped.token })), { status: 403, code: 'AUTH_FORBIDDEN' });
  const whoami = (await (await server.request('/api/whoami-v2', { token: scoped.token })).json()) as { auth: { accessToken: { fineGrained: { scoped: { permissions: string[] }[] } } } };
  assert.deepEqual(whoami.auth.accessToken.fineGrained.scoped[0]?.permissions, ['repo.content.read']);
});

void test('repo lists naming unknown, unreadable or malformed repos are refused', async () => {
  const cases: [unknown, number, string][] = [
    [['alice/nope'], 404, 'RepoNotFound'],
    [['bob/secret'], 404, 'RepoNotFound'],
    [['datasets/alice/kept'], 404, 'RepoNotFound'],
    [[], 400, 'VALIDATION_FAILED'],
    ['alice/kept', 400, 'VALIDATION_FAILED'],
    [['a/b/c/d'], 400, 'VALIDATION_FAILED'],
    [[42], 400, 'VALIDATION_FAILED'],
    [Array.from({ length: 101 }, () => 'alice/kept'), 400, 'VALIDATION_FAILED'],
  ];
  for (const [repos, status, code] of cases) {
    assert.deepEqual(await refusal(await createToken(alice, { repos })), { status, code }, JSON.stringify(repos).slice(0, 60));
  }
});

void test('moda token create --expires --repo, and token list shows expiry, scope and last use', async () => {
  const env = { MODA_HOME: join(work, 'cli'), MODA_ENDPOINT: server.url, MODA_TOKEN: alice };
  const created = await runModa(['token', 'create', '--name', 'ci', '--role', 'write', '--expires', '30d', '--repo', 'alice/kept', '--repo', 'datasets/alice/data'], env);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^hf_/);
  assert.match(created.stderr, /expires \d{4}-\d\d-\d\dT.*only for datasets\/alice\/data, alice\/kept/);
  const nextYear = new Date().getUTCFullYear() + 1;
  const dated = await runModa(['token', 'create', '--name', 'dated', '--expires', `${nextYear}-01-31`, '--json'], env);
  assert.equal(dated.code, 0, dated.stderr);
  assert.equal((JSON.parse(dated.stdout) as { expiresAt: string }).expiresAt, `${nextYear}-01-31T00:00:00.000Z`);
  const listed = await runModa(['token', 'list'], env);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /LAST USED\s+EXPIRES\s+REPOS/);
  assert.match(listed.stdout, /ci\s+write\s+\S+\s+-\s+\d{4}-\S+\s+datasets\/alice\/data,alice\/kept/);
  assert.match(listed.stdout, /test\s+write\s+\S+\s+\d{4}-\S+\s+never\s+all/, 'the token in use shows its last use');
  for (const [flag, code] of [
    [['--expires', 'whenever'], 'VALIDATION_FAILED'],
    [['--expires', '1999-01-01'], 'VALIDATION_FAILED'],
    [['--repo', 'alice/missing'], 'HUB_REPO_NOT_FOUND'],
  ] as const) {
    const refused = await runModa(['token', 'create', '--name', 'bad', ...flag], env);
    assert.equal(refused.code, 1, flag.join(' '));
    assert.match(refused.stderr, new RegExp(`\\[${code}\\]`), refused.stderr);
  }
});
