// The security tables on PostgreSQL (migration 0006): token expiry and repo scope, the audit log with
// its filters and pages, and both quotas (the storage sum is a bigint, which PostgreSQL answers as a
// string), driven through HTTP on a throwaway cluster.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startPostgresCluster, type PostgresCluster } from '../helpers/postgres-cluster.js';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from '../helpers/moda-server.js';

let cluster: PostgresCluster;
let home: string;
let server: TestServer;

const json = (method: string, body: unknown, token: string) => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), token });

before(async () => {
  cluster = await startPostgresCluster();
  home = await mkdtemp(join(tmpdir(), 'moda-pg-security-'));
  server = await startTestServer({ databaseUrl: cluster.url, quotaRepos: 1, quotaStorageBytes: 5 * 1024 ** 3 }, home);
});

after(async () => {
  await server?.stop();
  await rm(home, { recursive: true, force: true });
  await cluster?.stop();
});

void test('tokens, audit log and quotas work on PostgreSQL', async () => {
  const alice = await createUserWithToken(server, 'alice', 'write');
  assert.equal((await server.request('/api/repos/create', json('POST', { name: 'alice/big', private: true }, alice))).status, 200);
  const second = await server.request('/api/repos/create', json('POST', { name: 'alice/second' }, alice));
  assert.equal(second.headers.get('x-error-code'), 'QUOTA_REPOS_EXCEEDED');

  const scoped = (await (await server.request('/api/tokens', json('POST', { name: 'ci', role: 'write', expiresIn: '2w', repos: ['alice/big'] }, alice))).json()) as { token: string; expiresAt: string; repos: string[] };
  assert.deepEqual(scoped.repos, ['alice/big']);
  assert.ok(Date.parse(scoped.expiresAt) > Date.now() + 13 * 86_400_000);
  assert.equal((await server.request('/api/models/alice/big', { token: scoped.token })).status, 200);
  assert.equal((await server.request('/api/tokens', json('POST', { name: 'x' }, scoped.token))).headers.get('x-error-code'), 'AUTH_TOKEN_SCOPE');

  // Objects of 3 GiB each: past 32 bits, and the second would pass the 5 GiB quota.
  const objects = ['one', 'two'].map((text) => ({ oid: createHash('sha256').update(text).digest('hex'), size: 3 * 1024 ** 3 }));
  const batch = await server.request('/alice/big.git/info/lfs/objects/batch', { method: 'POST', headers: { 'content-type': 'application/vnd.git-lfs+json' }, body: JSON.stringify({ operation: 'upload', objects }), token: scoped.token });
  const answer = (await batch.json()) as { objects: { actions?: unknown; error?: { code: number } }[] };
  assert.ok(answer.objects[0]?.actions);
  assert.equal(answer.objects[1]?.error?.code, 413);

  const page = (await (await server.request('/api/admin/audit?limit=2', { token: ADMIN_TOKEN })).json()) as { events: { action: string }[]; next: string | null };
  assert.equal(page.events.length, 2);
  assert.ok(page.next);
  const rest = (await (await server.request(`/api/admin/audit?limit=100&before=${encodeURIComponent(page.next)}`, { token: ADMIN_TOKEN })).json()) as { events: { action: string }[] };
  const actions = [...page.events, ...rest.events].map((event) => event.action);
  for (const action of ['user.create', 'token.create', 'repo.create']) assert.ok(actions.includes(action), action);
  const filtered = (await (await server.request('/api/admin/audit?action=repo.&actor=alice', { token: ADMIN_TOKEN })).json()) as { events: { action: string }[] };
  assert.deepEqual(filtered.events.map((event) => event.action), ['repo.create']);
});
