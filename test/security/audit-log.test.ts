// The audit log through HTTP and `moda audit`: security-relevant actions leave events with who,
// from where and on what; admins page through them with filters, others are refused; and a created
// token's secret appears nowhere, neither in the API's answers nor in the database file.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from '../helpers/moda-server.js';
import { runModa } from './cli-helper.js';

let server: TestServer;
let alice: string;
let secret: string;

interface Event {
  id: string;
  at: string;
  action: string;
  actor: string | null;
  tokenId: string | null;
  address: string | null;
  target: string | null;
  details: Record<string, unknown>;
}
interface Page {
  events: Event[];
  next: string | null;
}

const json = (method: string, body: unknown, token: string | null = ADMIN_TOKEN) => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), token });

async function ok(response: Promise<Response>, status = 200): Promise<Response> {
  const answer = await response;
  assert.equal(answer.status, status, await answer.clone().text());
  return answer;
}

async function audit(query = '', token: string | null = ADMIN_TOKEN): Promise<Page> {
  return (await (await ok(server.request(`/api/admin/audit${query}`, { token }))).json()) as Page;
}

before(async () => {
  server = await startTestServer();
  alice = await createUserWithToken(server, 'alice', 'write');
  const created = (await (await ok(server.request('/api/tokens', json('POST', { name: 'laptop', role: 'write' }, alice)), 201)).json()) as { id: string; token: string };
  secret = created.token;
  await ok(server.request(`/api/tokens/${created.id}`, { method: 'DELETE', token: alice }));
  await ok(server.request('/api/organizations', json('POST', { name: 'lab' }, alice)), 201);
  await createUserWithToken(server, 'bob', 'read');
  await ok(server.request('/api/organizations/lab/members/bob', json('PUT', { role: 'write' }, alice)));
  await ok(server.request('/api/organizations/lab/members/bob', { method: 'DELETE', token: alice }));
  await ok(server.request('/api/repos/create', json('POST', { name: 'alice/model' }, alice)));
  await ok(server.request('/api/models/alice/model/settings', json('PUT', { private: true }, alice)));
  await ok(server.request('/api/models/alice/model/settings', json('PUT', { private: true }, alice)));
  await ok(server.request('/api/repos/delete', json('DELETE', { name: 'alice/model' }, alice)));
  await ok(server.request('/api/v1/login', json('POST', { AccessToken: alice }, null)));
  const failed = await server.request('/api/v1/login', json('POST', { AccessToken: 'hf_wrong_guess_0123456789' }, null));
  assert.equal(failed.status, 401);
});

after(async () => {
  await server.stop();
});

void test('each security-relevant action leaves one event naming who, from where and what', async () => {
  const { events } = await audit('?limit=500');
  const mine = events.filter((event) => event.actor !== 'admin' || event.action === 'user.create').reverse();
  const summary = mine.map((event) => `${event.action} ${event.actor ?? '-'} ${event.target ?? '-'}`);
  assert.deepEqual(summary.filter((line) => !line.startsWith('token.create admin')), [
    'user.create admin alice',
    'token.create alice token:' + mine.find((event) => event.action === 'token.create' && event.actor === 'alice')?.target?.slice('token:'.length),
    'token.revoke alice token:' + mine.find((event) => event.action === 'token.revoke')?.target?.slice('token:'.length),
    'org.create alice lab',
    'user.create admin bob',
    'member.set alice lab',
    'member.remove alice lab',
    'repo.create alice model:alice/model',
    'repo.visibility alice model:alice/model',
    'repo.delete alice model:alice/model',
    'auth.login alice alice',
    'auth.login_failed - -',
  ]);
  const visibility = mine.find((event) => event.action === 'repo.visibility');
  assert.deepEqual([visibility?.details.from, visibility?.details.to], ['public', 'private'], 'a second identical change records nothing');
  assert.deepEqual(mine.find((event) => event.action === 'member.set')?.details.role, 'write');
  for (const event of mine) {
    assert.equal(event.address, '127.0.0.1', event.action);
    assert.ok(Math.abs(Date.parse(event.at) - Date.now()) < 600_000, event.at);
  }
  assert.ok(mine.filter((event) => event.actor === 'alice').every((event) => event.tokenId !== null));
});

void test('filters and pages: by action (or prefix), actor, target and time; pages continue with before', async () => {
  assert.deepEqual((await audit('?action=token.revoke')).events.map((event) => event.action), ['token.revoke']);
  assert.ok((await audit('?action=token.')).events.every((event) => event.action.startsWith('token.')));
  assert.ok((await audit('?actor=alice')).events.every((event) => event.actor === 'alice'));
  assert.deepEqual((await audit('?target=lab')).events.map((event) => event.action), ['member.remove', 'member.set', 'org.create']);
  assert.equal((await audit('?until=2000-01-01')).events.length, 0);
  assert.ok((await audit(`?since=${encodeURIComponent(new Date(Date.now() - 600_000).toISOString())}`)).events.length > 5);

  const all = (await audit('?limit=500')).events.map((event) => event.id);
  const paged: string[] = [];
  let before = '';
  for (;;) {
    const page = await audit(`?limit=3${before ? `&before=${encodeURIComponent(before)}` : ''}`);
    assert.ok(page.events.length <= 3);
    paged.push(...page.events.map((event) => event.id));
    if (!page.next) break;
    before = page.next;
  }
  assert.deepEqual(paged, all, 'pages cover every event once, newest first');
});

void test('only site admins with an admin token read the log; bad queries get VALIDATION_FAILED', async () => {
  const refused = await server.request('/api/admin/audit', { token: alice });
  assert.equal(refused.status, 403);
  assert.equal(refused.headers.get('x-error-code'), 'AUTH_FORBIDDEN');
  assert.equal((await server.request('/api/admin/audit', { token: null })).status, 403);
  for (const query of ['?limit=0', '?limit=501', '?limit=ten', '?since=yesterday', '?until=later', '?action=a&action=b']) {
    const bad = await server.request(`/api/admin/audit${query}`);
    assert.equal(bad.status, 400, query);
    assert.equal(bad.headers.get('x-error-code'), 'VALIDATION_FAILED', query);
  }
});

void test("a created token's secret is never in the log, the API's answers or the database file", async () => {
  const everything = JSON.stringify(await audit('?limit=500'));
  assert.ok(everything.includes('token.create'));
  assert.ok(!everything.includes(secret), 'secret in the audit API');
  assert.ok(!everything.includes(ADMIN_TOKEN) && !everything.includes(alice), 'a token used for a request in the audit API');
  assert.ok(!everything.includes('hf_wrong_guess'), 'a failed login attempt keeps its guess out');
  const tokens = await (await server.request('/api/tokens?user=alice')).text();
  assert.ok(!tokens.includes(secret));
  for (const file of (await readdir(server.home)).filter((name) => name.startsWith('moda.sqlite'))) {
    const bytes = await readFile(join(server.home, file));
    assert.ok(!bytes.includes(secret), `secret in ${file}`);
  }
});

void test('moda audit prints the log, filters it, and refuses non-admins', async () => {
  const env = { MODA_HOME: server.home, MODA_ENDPOINT: server.url, MODA_TOKEN: ADMIN_TOKEN };
  const table = await runModa(['audit', '--actor', 'alice', '--limit', '2'], env);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /TIME\s+ACTION\s+ACTOR\s+ADDRESS\s+TARGET\s+DETAILS/);
  assert.equal(table.stdout.trim().split('\n').length, 3);
  assert.match(table.stderr, /more: moda audit --before \S+/);
  const filtered = await runModa(['audit', '--action', 'member.', '--json'], env);
  assert.equal(filtered.code, 0, filtered.stderr);
  assert.deepEqual((JSON.parse(filtered.stdout) as Page).events.map((event) => event.action), ['member.remove', 'member.set']);
  const stranger = await runModa(['audit'], { ...env, MODA_TOKEN: alice });
  assert.equal(stranger.code, 1);
  assert.match(stranger.stderr, /AUTH_FORBIDDEN/);
  const bad = await runModa(['audit', '--limit', '0'], env);
  assert.equal(bad.code, 1);
});
