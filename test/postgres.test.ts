// The PostgreSQL path for real: a throwaway cluster, a Moda server on it, and every query family
// (accounts, tokens, organizations, repo index, search, counters, deletes) driven through HTTP and
// compared with the same calls on SQLite; then a restart on the same database and MODA_HOME.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { findPostgresBin, startPostgresCluster, type PostgresCluster } from './helpers/postgres-cluster.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';
import { migrations } from '../src/db/migrations.js';

interface Tokens {
  alice: string;
  bob: string;
  carol: string;
  /** A second token of alice's, revoked during the scenario. */
  revoked: string;
}

interface RepoSummary {
  id: string;
  private: boolean;
  downloads: number;
  likes: number;
  tags: string[];
  pipeline_tag?: string;
  library_name?: string;
}

let cluster: PostgresCluster;
let postgresHome: string;
let postgres: TestServer;
let sqlite: TestServer;

before(async () => {
  cluster = await startPostgresCluster();
  postgresHome = await mkdtemp(join(tmpdir(), 'moda-pg-home-'));
  [postgres, sqlite] = await Promise.all([startTestServer({ databaseUrl: cluster.url }, postgresHome), startTestServer()]);
});

after(async () => {
  await Promise.all([postgres?.stop(), sqlite?.stop()]);
  await cluster?.stop();
  if (postgresHome) await rm(postgresHome, { recursive: true, force: true });
});

const CARDS: Record<string, { card: string; private?: boolean }> = {
  'alice/ocr-small': { card: '---\npipeline_tag: image-to-text\nlibrary_name: onnx\nlanguage: [zh]\ntags: [ocr]\n---\n# small\n' },
  // `ocr_v1` and `ocr-v1` tell an escaped LIKE `_` from the wildcard.
  'alice/ocr_v1': { card: '---\npipeline_tag: image-to-text\nlibrary_name: transformers\ntags: [ocr]\nlicense: mit\n---\n' },
  'alice/ocr-v1': { card: '# no front matter\n' },
  'alice/sentiment': { card: '---\npipeline_tag: text-classification\nlibrary_name: transformers\nlanguage: [en]\n---\n' },
  'acme/ocr-large': { card: '---\npipeline_tag: image-to-text\nlibrary_name: onnx\nlanguage: [zh, en]\ntags: [ocr]\n---\n' },
  'acme/secret-ocr': { card: '---\npipeline_tag: image-to-text\nlibrary_name: onnx\nlanguage: [en]\ntags: [ocr]\n---\n', private: true },
};

function call(server: TestServer, method: string, path: string, body?: unknown, token?: string | null): Promise<Response> {
  return server.request(path, {
    method,
    ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    ...(token !== undefined && { token }),
  });
}

async function ok<T>(response: Promise<Response>, status = 200): Promise<T> {
  const answer = await response;
  assert.equal(answer.status, status, `${answer.url}: ${await answer.clone().text()}`);
  return (await answer.json()) as T;
}

async function userWithToken(server: TestServer, name: string): Promise<string> {
  await ok(call(server, 'POST', '/api/users', { name }), 201);
  return (await ok<{ token: string }>(call(server, 'POST', '/api/tokens', { name: 'test', role: 'write', user: name }), 201)).token;
}

async function commitReadme(server: TestServer, repo: string, card: string, token: string): Promise<void> {
  const lines = [
    { key: 'header', value: { summary: 'card' } },
    { key: 'file', value: { path: 'README.md', content: Buffer.from(card).toString('base64'), encoding: 'base64' } },
  ];
  await ok(server.request(`/api/models/${repo}/commit/main`, { method: 'POST', token, headers: { 'content-type': 'application/x-ndjson' }, body: lines.map((line) => JSON.stringify(line)).join('\n') }));
}

async function download(server: TestServer, repo: string, times: number): Promise<void> {
  await Promise.all(
    Array.from({ length: times }, async () => {
      const response = await server.request(`/${repo}/resolve/main/README.md`, { token: null });
      assert.equal(response.status, 200);
      await response.arrayBuffer();
    }),
  );
}

async function repoInfo(server: TestServer, repo: string, token: string | null = null): Promise<RepoSummary> {
  const info = await ok<RepoSummary>(server.request(`/api/models/${repo}`, { token }));
  return { id: info.id, private: info.private, downloads: info.downloads, likes: info.likes, tags: info.tags, pipeline_tag: info.pipeline_tag, library_name: info.library_name };
}

/** Download counting is fire-and-forget after the response: wait until the counter settles. */
async function waitForDownloads(server: TestServer, repo: string, expected: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((await repoInfo(server, repo)).downloads !== expected) {
    if (Date.now() > deadline) assert.fail(`${repo} never reached ${expected} downloads`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function search(server: TestServer, query: string, token: string | null = null): Promise<string[]> {
  const repos = await ok<{ id: string }[]>(server.request(`/api/models?${query}`, { token }));
  return repos.map((repo) => repo.id);
}

/** Follows `Link: rel="next"` from the first page; returns each page's ids. */
async function pages(server: TestServer, query: string, token: string | null = null): Promise<string[][]> {
  const result: string[][] = [];
  let next: string | undefined = `${server.url}/api/models?${query}`;
  while (next) {
    const response: Response = await fetch(next, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    assert.equal(response.status, 200);
    result.push(((await response.json()) as { id: string }[]).map((repo) => repo.id));
    next = /<([^>]+)>; rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    assert.ok(result.length < 20, 'pagination must end');
  }
  return result;
}

/** Writes the scenario's data through the API, checking each answer; returns the users' tokens. */
async function populate(server: TestServer): Promise<Tokens> {
  const alice = await userWithToken(server, 'alice');
  const bob = await userWithToken(server, 'bob');
  const carol = await userWithToken(server, 'carol');
  // Names are unique case-insensitively (lower() on both dialects).
  assert.equal((await call(server, 'POST', '/api/users', { name: 'ALICE' })).status, 409);

  await ok(call(server, 'POST', '/api/organizations', { name: 'acme' }, alice), 201);
  // The second PUT is an upsert (ON CONFLICT DO UPDATE).
  await ok(call(server, 'PUT', '/api/organizations/acme/members/bob', { role: 'write' }, alice));
  await ok(call(server, 'PUT', '/api/organizations/acme/members/bob', { role: 'read' }, alice));
  assert.equal((await call(server, 'PUT', '/api/organizations/acme/members/carol', { role: 'read' }, bob)).status, 403);

  // In parallel: git dominates the time, and the pool then serves concurrent index writes.
  await Promise.all(
    Object.entries(CARDS).map(async ([repo, { card, private: isPrivate }]) => {
      const [organization = '', name = ''] = repo.split('/');
      await ok(call(server, 'POST', '/api/repos/create', { name, organization, private: isPrivate ?? false }, alice));
      await commitReadme(server, repo, card, alice);
    }),
  );
  assert.equal((await call(server, 'POST', '/api/repos/create', { name: 'OCR-SMALL', organization: 'alice' }, alice)).status, 409);

  // Likes: idempotent per user, counted in a transaction; anonymous users cannot like.
  const like = async (repo: string, token: string, method = 'POST') => (await ok<{ likes: number }>(call(server, method, `/api/models/${repo}/like`, undefined, token))).likes;
  assert.equal(await like('acme/ocr-large', alice), 1);
  assert.equal(await like('acme/ocr-large', bob), 2);
  assert.equal(await like('acme/ocr-large', bob), 2);
  assert.equal(await like('acme/ocr-large', carol), 3);
  assert.equal(await like('acme/ocr-large', carol, 'DELETE'), 2);
  assert.equal(await like('alice/sentiment', bob), 1);
  assert.equal(await like('acme/secret-ocr', bob), 1);
  assert.equal((await call(server, 'POST', '/api/models/acme/secret-ocr/like', undefined, carol)).status, 404);
  assert.equal((await call(server, 'POST', '/api/models/alice/sentiment/like', undefined, null)).status, 401);

  // Concurrent downloads: `downloads = downloads + 1` must not lose updates.
  await download(server, 'alice/ocr-small', 6);
  await download(server, 'acme/ocr-large', 2);
  await waitForDownloads(server, 'alice/ocr-small', 6);
  await waitForDownloads(server, 'acme/ocr-large', 2);

  // Token revoke: the token works, is listed, is deleted, and is refused afterwards.
  const extra = await ok<{ id: string; token: string }>(call(server, 'POST', '/api/tokens', { name: 'ci', role: 'read' }, alice), 201);
  assert.equal((await ok<{ name: string }>(server.request('/api/whoami-v2', { token: extra.token }))).name, 'alice');
  assert.deepEqual((await ok<{ name: string }[]>(call(server, 'GET', '/api/tokens?user=alice'))).map((token) => token.name), ['test', 'ci']);
  await ok(call(server, 'DELETE', `/api/tokens/${extra.id}`, undefined, alice));
  assert.equal((await server.request('/api/whoami-v2', { token: extra.token })).status, 401);
  assert.equal((await call(server, 'DELETE', `/api/tokens/${extra.id}`, undefined, alice)).status, 404);

  // Repo delete with likes, tags and downloads attached: the cascades must let the row go.
  const doomedCard = { path: 'README.md', content: Buffer.from('---\ntags: [doomed]\n---\n').toString('base64'), encoding: 'base64' };
  await ok(call(server, 'POST', '/api/repos/create', { name: 'doomed', organization: 'alice', files: [doomedCard] }, alice));
  assert.deepEqual(await search(server, 'filter=doomed'), ['alice/doomed']);
  await like('alice/doomed', bob);
  await download(server, 'alice/doomed', 1);
  await waitForDownloads(server, 'alice/doomed', 1);
  await ok(call(server, 'DELETE', '/api/repos/delete', { name: 'doomed', organization: 'alice' }, alice));
  assert.equal((await server.request('/api/models/alice/doomed')).status, 404);
  assert.deepEqual(await search(server, 'filter=doomed'), []);
  return { alice, bob, carol, revoked: extra.token };
}

/** Reads everything the scenario wrote, in a shape that does not depend on ids or clocks. */
async function observe(server: TestServer, tokens: Tokens) {
  const whoami = async (token: string | null) => {
    const response = await server.request('/api/whoami-v2', { token });
    if (!response.ok) return response.status;
    const me = (await response.json()) as { name: string; isAdmin: boolean; orgs: { name: string; roleInOrg: string }[]; auth: { accessToken: { role: string } } };
    return { name: me.name, isAdmin: me.isAdmin, orgs: me.orgs.map((org) => `${org.name}:${org.roleInOrg}`), role: me.auth.accessToken.role };
  };
  const byLastModified = async (token: string | null) => {
    const repos = await ok<{ id: string; lastModified: string }[]>(server.request('/api/models?sort=lastModified&direction=-1', { token }));
    for (const [index, repo] of repos.slice(1).entries()) {
      const previous = repos[index]!;
      const key = (entry: { id: string; lastModified: string }) => `${entry.lastModified} ${entry.id.toLowerCase()}`;
      assert.ok(key(previous) >= key(repo), `sort=lastModified: ${previous.id} before ${repo.id}`);
    }
    // The order within one second depends on when each dialect's run committed: compare the set.
    return repos.map((repo) => repo.id).sort();
  };
  const { alice, bob, carol, revoked } = tokens;
  return {
    whoami: { alice: await whoami(alice), bob: await whoami(bob), carol: await whoami(carol), revoked: await whoami(revoked), anonymous: await whoami(null) },
    members: await ok<unknown[]>(server.request('/api/organizations/acme/members')),
    tokens: (await ok<{ name: string; role: string }[]>(call(server, 'GET', '/api/tokens', undefined, bob))).map((token) => `${token.name}:${token.role}`),
    repos: await Promise.all(Object.keys(CARDS).map((repo) => repoInfo(server, repo, bob))),
    secretForAnonymous: (await server.request('/api/models/acme/secret-ocr', { token: null })).status,
    secretForCarol: (await server.request('/api/models/acme/secret-ocr', { token: carol })).status,
    search: {
      text: await search(server, 'search=OCR&sort=id&direction=1'),
      textAsMember: await search(server, 'search=OCR&sort=id&direction=1', bob),
      textAsOutsider: await search(server, 'search=OCR&sort=id&direction=1', carol),
      textAsAdmin: await search(server, 'search=ocr&sort=id&direction=1', ADMIN_TOKEN),
      likeUnderscore: await search(server, 'search=r_v'),
      likePercent: await search(server, 'search=%25'),
      filter: await search(server, 'filter=ocr&sort=id&direction=1'),
      filters: await search(server, 'filter=ocr,zh&sort=id&direction=1'),
      filterArray: await search(server, 'filter=ocr&filter=license:mit'),
      pipelineTag: await search(server, 'pipeline_tag=text-classification'),
      library: await search(server, 'library=onnx&sort=id&direction=-1', bob),
      language: await search(server, 'language=en&sort=id&direction=1'),
      languageAsMember: await search(server, 'language=en&sort=id&direction=1', bob),
      author: await search(server, 'author=acme'),
      authorAsMember: await search(server, 'author=acme', bob),
      downloads: await search(server, 'library=onnx&sort=downloads'),
      downloadsAscending: await search(server, 'author=alice&sort=downloads&direction=1&limit=2'),
      likes: await search(server, 'sort=likes&direction=-1&limit=2'),
      likesAsMember: await search(server, 'sort=likes&direction=-1&limit=3', bob),
      lastModified: await byLastModified(null),
      lastModifiedAsMember: await byLastModified(bob),
      pages: await pages(server, 'sort=id&direction=1&limit=2'),
      pagesByLikes: await pages(server, 'sort=likes&limit=2', bob),
      everything: await search(server, 'sort=id&direction=1'),
    },
  };
}

void test('a machine without PostgreSQL fails with a clear error instead of skipping', () => {
  assert.throws(() => findPostgresBin('/nonexistent/postgresql', ''), /PostgreSQL is not installed: no initdb under \/nonexistent\/postgresql/);
});

let tokensOnPostgres: Tokens;
let observedOnPostgres: Awaited<ReturnType<typeof observe>>;

void test('accounts, repos, search and counters answer on PostgreSQL exactly as on SQLite', async () => {
  const [onPostgres, onSqlite] = await Promise.all([populate(postgres), populate(sqlite)]);
  tokensOnPostgres = onPostgres;
  // Guard against a silent fallback to SQLite: current_setting() exists only on PostgreSQL.
  const version = await sql<{ version: string }>`select current_setting('server_version') as version`.execute(postgres.hub.db);
  assert.match(version.rows[0]?.version ?? '', /^\d+/);
  observedOnPostgres = await observe(postgres, onPostgres);
  assert.deepEqual(observedOnPostgres, await observe(sqlite, onSqlite));

  // The same answers, checked against what they should be (not only against each other).
  const { whoami, search: found, repos } = observedOnPostgres;
  assert.deepEqual(whoami, {
    alice: { name: 'alice', isAdmin: false, orgs: ['acme:admin'], role: 'write' },
    bob: { name: 'bob', isAdmin: false, orgs: ['acme:read'], role: 'write' },
    carol: { name: 'carol', isAdmin: false, orgs: [], role: 'write' },
    revoked: 401,
    anonymous: 401,
  });
  assert.deepEqual(observedOnPostgres.members, [
    { user: 'alice', role: 'admin' },
    { user: 'bob', role: 'read' },
  ]);
  assert.equal(observedOnPostgres.secretForAnonymous, 404);
  assert.equal(observedOnPostgres.secretForCarol, 404);
  const small = repos.find((repo) => repo.id === 'alice/ocr-small');
  assert.deepEqual(small, { id: 'alice/ocr-small', private: false, downloads: 6, likes: 0, tags: ['ocr', 'onnx', 'image-to-text', 'zh'], pipeline_tag: 'image-to-text', library_name: 'onnx' });
  assert.deepEqual(repos.find((repo) => repo.id === 'acme/ocr-large')?.likes, 2);
  assert.deepEqual(found.text, ['acme/ocr-large', 'alice/ocr-small', 'alice/ocr-v1', 'alice/ocr_v1']);
  assert.deepEqual(found.textAsMember, ['acme/ocr-large', 'acme/secret-ocr', 'alice/ocr-small', 'alice/ocr-v1', 'alice/ocr_v1']);
  assert.deepEqual(found.textAsOutsider, found.text);
  assert.deepEqual(found.textAsAdmin, found.textAsMember);
  assert.deepEqual(found.likeUnderscore, ['alice/ocr_v1']);
  assert.deepEqual(found.likePercent, []);
  assert.deepEqual(found.filter, ['acme/ocr-large', 'alice/ocr-small', 'alice/ocr_v1']);
  assert.deepEqual(found.filters, ['acme/ocr-large', 'alice/ocr-small']);
  assert.deepEqual(found.filterArray, ['alice/ocr_v1']);
  assert.deepEqual(found.pipelineTag, ['alice/sentiment']);
  assert.deepEqual(found.library, ['alice/ocr-small', 'acme/secret-ocr', 'acme/ocr-large']);
  assert.deepEqual(found.language, ['acme/ocr-large', 'alice/sentiment']);
  assert.deepEqual(found.languageAsMember, ['acme/ocr-large', 'acme/secret-ocr', 'alice/sentiment']);
  assert.deepEqual(found.author, ['acme/ocr-large']);
  assert.deepEqual(found.authorAsMember, ['acme/ocr-large', 'acme/secret-ocr']);
  assert.deepEqual(found.downloads, ['alice/ocr-small', 'acme/ocr-large']);
  assert.deepEqual(found.downloadsAscending, ['alice/ocr-v1', 'alice/ocr_v1']);
  assert.deepEqual(found.likes, ['acme/ocr-large', 'alice/sentiment']);
  assert.deepEqual(found.likesAsMember, ['acme/ocr-large', 'alice/sentiment', 'acme/secret-ocr']);
  assert.deepEqual(found.lastModified, [...found.everything].sort());
  assert.deepEqual(found.pages, [
    ['acme/ocr-large', 'alice/ocr-small'],
    ['alice/ocr-v1', 'alice/ocr_v1'],
    ['alice/sentiment'],
  ]);
  assert.deepEqual(found.pages.flat(), found.everything);
  assert.equal(found.pagesByLikes.flat().length, 6);
});

void test('a restart on the same PostgreSQL database and MODA_HOME keeps every row and re-runs no migration', async () => {
  assert.ok(observedOnPostgres, 'runs after the scenario above');
  // stop() keeps MODA_HOME because the test passed it in; it closes Fastify and the pg pool.
  await postgres.stop();
  postgres = await startTestServer({ databaseUrl: cluster.url }, postgresHome);
  assert.deepEqual(await observe(postgres, tokensOnPostgres), observedOnPostgres);

  const migrationsRun = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(postgres.hub.db);
  assert.deepEqual(migrationsRun.rows.map((row) => row.name), Object.keys(migrations).sort(), 'each migration ran once');
  const admins = await postgres.hub.db.selectFrom('tokens').select('name').where('user', '=', 'admin').execute();
  assert.deepEqual(admins.map((row) => row.name), ['MODA_ADMIN_TOKEN'], 'the admin token is registered once, not once per start');

  // The restarted server still writes: a new commit re-indexes, counters keep counting.
  await commitReadme(postgres, 'alice/ocr-v1', '---\npipeline_tag: text-classification\n---\n', tokensOnPostgres.alice);
  assert.deepEqual(await search(postgres, 'pipeline_tag=text-classification&sort=id&direction=1'), ['alice/ocr-v1', 'alice/sentiment']);
  await download(postgres, 'alice/ocr-small', 1);
  await waitForDownloads(postgres, 'alice/ocr-small', 7);
  assert.deepEqual((await ok<{ likes: number }>(call(postgres, 'POST', '/api/models/alice/sentiment/like', undefined, tokensOnPostgres.alice))).likes, 2);
});
