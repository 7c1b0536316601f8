// `moda repo …`, `moda search` and `moda tag` against a real server, and how the CLI reports bad
// input: the catalog code in brackets and exit status 1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../src/cli/run-cli.js';
import type { RepoInfo, RepoRefs } from '../src/client/api-types.js';
import { ModaClient } from '../src/client/moda-client.js';
import { upload } from '../src/client/upload.js';
import type { ModaError } from '../src/errors/moda-error.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let work: string;
let token: string;

async function moda(args: string[], options: { token?: string | null } = {}) {
  let stdout = '';
  let stderr = '';
  const tokenEnv: Record<string, string> = options.token === null ? {} : { MODA_TOKEN: options.token ?? token };
  const code = await runCli(args, {
    env: { MODA_HOME: join(work, 'home'), MODA_ENDPOINT: server.url, ...tokenEnv },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from([]),
  });
  return { code, stdout, stderr };
}

before(async () => {
  server = await startTestServer();
  work = await mkdtemp(join(tmpdir(), 'moda-cli-repo-'));
  token = await createUserWithToken(server, 'dora');
});

after(async () => {
  await server.stop();
  await rm(work, { recursive: true, force: true });
});

void test('repo create, info --json, list --json and delete', async () => {
  const created = await moda(['repo', 'create', 'dora/alpha']);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout, `${server.url}/dora/alpha\n`);
  assert.equal((await moda(['repo', 'create', 'dora/secret', '--private'])).code, 0);
  const dataset = await moda(['repo', 'create', 'dora/table', '--type', 'dataset']);
  assert.equal(dataset.stdout, `${server.url}/datasets/dora/table\n`);

  const info = await moda(['repo', 'info', 'dora/alpha', '--json']);
  assert.equal(info.code, 0, info.stderr);
  const parsed = JSON.parse(info.stdout) as RepoInfo;
  assert.equal(parsed.id, 'dora/alpha');
  assert.equal(parsed.private, false);
  assert.match(parsed.sha, /^[0-9a-f]{40}$/);
  assert.ok(parsed.siblings?.some((sibling) => sibling.rfilename === 'README.md' && typeof sibling.size === 'number'));
  const text = await moda(['repo', 'info', 'dora/alpha']);
  assert.match(text.stdout, /^dora\/alpha \(model\)\ncommit: +[0-9a-f]{40}\n/);
  assert.match(text.stdout, /README\.md/);

  const listed = await moda(['repo', 'list', '--author', 'dora', '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  const ids = (JSON.parse(listed.stdout) as RepoInfo[]).map((repo) => repo.id).sort();
  assert.deepEqual(ids, ['dora/alpha', 'dora/secret']);
  const anonymous = JSON.parse((await moda(['repo', 'list', '--author', 'dora', '--json'], { token: null })).stdout) as RepoInfo[];
  assert.deepEqual(anonymous.map((repo) => repo.id), ['dora/alpha'], 'private repos stay hidden from anonymous callers');
  const datasets = JSON.parse((await moda(['repo', 'list', '--type', 'dataset', '--json'])).stdout) as RepoInfo[];
  assert.deepEqual(datasets.map((repo) => repo.id), ['dora/table']);
  const table = await moda(['repo', 'list', '--author', 'dora']);
  assert.match(table.stdout, /^ID +DOWNLOADS +LIKES/);

  const deleted = await moda(['repo', 'delete', 'dora/secret']);
  assert.equal(deleted.code, 0, deleted.stderr);
  const gone = await moda(['repo', 'info', 'dora/secret']);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /\[HUB_REPO_NOT_FOUND\]\n$/);
});

void test('search with a query, author, sort and limit; --json', async () => {
  for (const name of ['search-one', 'search-two', 'other-three']) assert.equal((await moda(['repo', 'create', `dora/${name}`])).code, 0);
  const found = await moda(['search', 'search-', '--json']);
  assert.equal(found.code, 0, found.stderr);
  assert.deepEqual((JSON.parse(found.stdout) as RepoInfo[]).map((repo) => repo.id).sort(), ['dora/search-one', 'dora/search-two']);
  const limited = JSON.parse((await moda(['search', '--author', 'dora', '--sort', 'createdAt', '--limit', '2', '--json'])).stdout) as RepoInfo[];
  assert.equal(limited.length, 2);
  // A model card's metadata feeds --filter (tags) and --task (pipeline_tag).
  const card = join(work, 'README.md');
  await writeFile(card, '---\npipeline_tag: text-classification\ntags:\n- demo-tag\n---\n# Search two\n');
  const client = new ModaClient({ endpoint: server.url, token });
  await upload(client, 'dora/search-two', card);
  const byTag = JSON.parse((await moda(['search', '--filter', 'demo-tag', '--json'])).stdout) as RepoInfo[];
  assert.deepEqual(byTag.map((repo) => repo.id), ['dora/search-two']);
  const byTask = JSON.parse((await moda(['search', '--task', 'text-classification', '--json'])).stdout) as RepoInfo[];
  assert.deepEqual(byTask.map((repo) => repo.id), ['dora/search-two']);
  assert.deepEqual(JSON.parse((await moda(['search', '--task', 'text-classification', '--filter', 'other', '--json'])).stdout), []);

  const none = await moda(['search', 'no-such-thing']);
  assert.equal(none.stdout, 'no results\n');
  const badSort = await moda(['search', '--sort', 'size']);
  assert.equal(badSort.code, 1);
  assert.match(badSort.stderr, /Allowed choices are/);
  const badLimit = await moda(['search', '--limit', '0']);
  assert.equal(badLimit.code, 1);
});

void test('tag create, list and delete', async () => {
  assert.equal((await moda(['repo', 'create', 'dora/tagged'])).code, 0);
  const tagged = await moda(['tag', 'dora/tagged', 'v1', '--message', 'first release']);
  assert.equal(tagged.code, 0, tagged.stderr);
  assert.equal(tagged.stdout, 'Tagged dora/tagged@main as v1\n');
  const refs = JSON.parse((await moda(['tag', 'dora/tagged', '--json'])).stdout) as RepoRefs;
  assert.deepEqual(refs.tags.map((tag) => tag.name), ['v1']);
  assert.equal(refs.tags[0]?.targetCommit, refs.branches.find((branch) => branch.name === 'main')?.targetCommit);
  const listing = await moda(['tag', 'dora/tagged']);
  assert.match(listing.stdout, /tag +v1 +[0-9a-f]{40}/);

  const info = JSON.parse((await moda(['repo', 'info', 'dora/tagged', '--revision', 'v1', '--json'])).stdout) as RepoInfo;
  assert.equal(info.sha, refs.tags[0]?.targetCommit);

  const twice = await moda(['tag', 'dora/tagged', 'v1']);
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /\[HUB_REF_EXISTS\]\n$/);
  const deleted = await moda(['tag', 'dora/tagged', 'v1', '--delete']);
  assert.equal(deleted.code, 0, deleted.stderr);
  const after = JSON.parse((await moda(['tag', 'dora/tagged', '--json'])).stdout) as RepoRefs;
  assert.deepEqual(after.tags, []);
  const badRevision = await moda(['tag', 'dora/tagged', 'v2', '--revision', 'nope']);
  assert.match(badRevision.stderr, /\[HUB_REVISION_NOT_FOUND\]\n$/);

  // Branches and settings through the client API.
  const client = new ModaClient({ endpoint: server.url, token });
  await client.createBranch('dora/tagged', 'dev');
  assert.deepEqual((await client.listRefs('dora/tagged')).branches.map((branch) => branch.name).sort(), ['dev', 'main']);
  await client.deleteBranch('dora/tagged', 'dev');
  assert.deepEqual((await client.listRefs('dora/tagged')).branches.map((branch) => branch.name), ['main']);
  await client.updateRepoSettings('dora/tagged', { private: true });
  assert.equal((await client.repoInfo('dora/tagged')).private, true);
});

void test('bad input: invalid name, unknown repo, no token for a write, unreachable server', async () => {
  for (const args of [
    ['repo', 'create', 'dora/bad--name'],
    ['repo', 'info', 'not-a-repo-id'],
    ['download', 'a/b/c'],
    ['upload', '../x', '.'],
  ]) {
    const result = await moda(args);
    assert.equal(result.code, 1, args.join(' '));
    assert.match(result.stderr, /^error: .* \[REPO_NAME_INVALID\]\n$/, args.join(' '));
  }
  const unknown = await moda(['repo', 'info', 'dora/does-not-exist']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^error: .* \[HUB_REPO_NOT_FOUND\]\n$/);
  const unknownTag = await moda(['tag', 'dora/does-not-exist', 'v1']);
  assert.match(unknownTag.stderr, /\[HUB_REPO_NOT_FOUND\]\n$/);

  const noToken = await moda(['repo', 'create', 'dora/anon'], { token: null });
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /^error: .* \[AUTH_REQUIRED\]\n$/);
  const noTokenDelete = await moda(['repo', 'delete', 'dora/alpha'], { token: null });
  assert.match(noTokenDelete.stderr, /\[AUTH_REQUIRED\]\n$/);
  const otherNamespace = await moda(['repo', 'create', 'admin/not-yours']);
  assert.match(otherNamespace.stderr, /\[AUTH_FORBIDDEN\]\n$/);

  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  const unreachable = await moda(['--endpoint', `http://127.0.0.1:${port}`, 'repo', 'info', 'dora/alpha']);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /^error: cannot reach http:\/\/127\.0\.0\.1:\d+: .*\[UPSTREAM_UNAVAILABLE\]\n$/);
  await assert.rejects(new ModaClient({ endpoint: server.url }).createRepo('dora/x'), (error: ModaError) => error.code === 'AUTH_REQUIRED' && error.status === 401);

  const unknownCommand = await moda(['frobnicate']);
  assert.equal(unknownCommand.code, 1);
  assert.match(unknownCommand.stderr, /unknown command/);
});
