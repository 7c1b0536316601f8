// `moda login|logout|whoami`, `moda token …`, `moda user create` and `moda org …`, run in-process
// against a real server, with the environment given explicitly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../src/cli/run-cli.js';
import { ModaClient } from '../src/client/moda-client.js';
import type { ModaError } from '../src/errors/moda-error.js';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let work: string;
let aliceToken: string;

async function moda(args: string[], options: { home?: string; env?: Record<string, string>; stdin?: string[] } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { MODA_HOME: options.home ?? join(work, 'home'), MODA_ENDPOINT: server.url, ...options.env },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from(options.stdin ?? []),
  });
  return { code, stdout, stderr };
}

before(async () => {
  server = await startTestServer();
  work = await mkdtemp(join(tmpdir(), 'moda-cli-account-'));
  aliceToken = await createUserWithToken(server, 'alice', 'write');
});

after(async () => {
  await server.stop();
  await rm(work, { recursive: true, force: true });
});

void test('login checks the token, saves it with mode 0600, and whoami uses it', async () => {
  const home = join(work, 'login');
  const login = await moda(['login', '--token', aliceToken], { home });
  assert.equal(login.code, 0, login.stderr);
  assert.equal(login.stdout, `Logged in to ${server.url} as alice\n`);
  const file = join(home, 'token');
  assert.equal(await readFile(file, 'utf8'), `${aliceToken}\n`);
  assert.equal((await stat(file)).mode & 0o777, 0o600);

  const whoami = await moda(['whoami'], { home });
  assert.equal(whoami.code, 0, whoami.stderr);
  assert.match(whoami.stdout, /^alice\n/);
  const json = await moda(['whoami', '--json'], { home });
  assert.equal((JSON.parse(json.stdout) as { name: string }).name, 'alice');

  // MODA_TOKEN wins over the saved token, and --token over MODA_TOKEN.
  const fromEnv = await moda(['whoami'], { home, env: { MODA_TOKEN: ADMIN_TOKEN } });
  assert.match(fromEnv.stdout, /^admin\n/);
  const fromFlag = await moda(['--token', aliceToken, 'whoami'], { home, env: { MODA_TOKEN: ADMIN_TOKEN } });
  assert.match(fromFlag.stdout, /^alice\n/);
  const flagAfter = await moda(['whoami', '--token', aliceToken], { home, env: { MODA_TOKEN: ADMIN_TOKEN } });
  assert.match(flagAfter.stdout, /^alice\n/);

  const logout = await moda(['logout'], { home });
  assert.equal(logout.code, 0);
  await assert.rejects(stat(file));
  const anonymous = await moda(['whoami'], { home });
  assert.equal(anonymous.code, 1);
  assert.match(anonymous.stderr, /^error: .* \[AUTH_REQUIRED\]\n$/);
});

void test('login reads the token from standard input and refuses a bad one', async () => {
  const home = join(work, 'login-stdin');
  const login = await moda(['login'], { home, stdin: [`${aliceToken}\n`] });
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stdout, /as alice/);

  const bad = await moda(['login', '--token', 'hf_not_a_real_token'], { home: join(work, 'login-bad') });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /\[AUTH_INVALID_TOKEN\]\n$/);
  await assert.rejects(stat(join(work, 'login-bad', 'token')), 'a refused token is not saved');

  const none = await moda(['login'], { home: join(work, 'login-none') });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /\[AUTH_REQUIRED\]\n$/);
});

void test('token create, list and revoke; a revoked token then gets 401', async () => {
  const env = { MODA_TOKEN: aliceToken };
  const created = await moda(['token', 'create', '--name', 'ci', '--role', 'read'], { env });
  assert.equal(created.code, 0, created.stderr);
  const secret = created.stdout.trim();
  assert.match(secret, /^hf_/);
  assert.match(created.stderr, /Created read token "ci" for alice \(id [0-9a-f]+\)/);

  const asNew = await moda(['whoami'], { env: { MODA_TOKEN: secret } });
  assert.match(asNew.stdout, /^alice\ntoken: read\n$/);

  const listed = await moda(['token', 'list', '--json'], { env });
  assert.equal(listed.code, 0, listed.stderr);
  const tokens = JSON.parse(listed.stdout) as { id: string; name: string; role: string; user: string }[];
  const ci = tokens.find((token) => token.name === 'ci');
  assert.ok(ci);
  assert.equal(ci.role, 'read');
  assert.equal(ci.user, 'alice');
  assert.ok(!listed.stdout.includes(secret), 'listing never shows secrets');
  const table = await moda(['token', 'list'], { env });
  assert.match(table.stdout, /^ID +NAME +ROLE/);

  const revoked = await moda(['token', 'revoke', ci.id], { env });
  assert.equal(revoked.code, 0, revoked.stderr);
  const after = await moda(['whoami'], { env: { MODA_TOKEN: secret } });
  assert.equal(after.code, 1);
  assert.match(after.stderr, /\[AUTH_INVALID_TOKEN\]\n$/);
  await assert.rejects(new ModaClient({ endpoint: server.url, token: secret }).whoami(), (error: ModaError) => error.status === 401 && error.code === 'AUTH_INVALID_TOKEN');

  const again = await moda(['token', 'revoke', ci.id], { env });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /\[HUB_TOKEN_NOT_FOUND\]\n$/);

  const tooStrong = await moda(['token', 'create', '--name', 'x', '--role', 'admin'], { env });
  assert.equal(tooStrong.code, 1);
  assert.match(tooStrong.stderr, /\[AUTH_FORBIDDEN\]\n$/);
  const badRole = await moda(['token', 'create', '--name', 'x', '--role', 'root'], { env });
  assert.equal(badRole.code, 1);
  assert.match(badRole.stderr, /Allowed choices are read, write, admin/);
});

void test('user create needs an admin token; org create, member set and remove', async () => {
  const admin = { MODA_TOKEN: ADMIN_TOKEN };
  const user = await moda(['user', 'create', 'bob', '--fullname', 'Bob B'], { env: admin });
  assert.equal(user.code, 0, user.stderr);
  assert.equal(user.stdout, 'Created user bob\n');
  const taken = await moda(['user', 'create', 'bob'], { env: admin });
  assert.match(taken.stderr, /\[HUB_NAME_TAKEN\]\n$/);
  const notAdmin = await moda(['user', 'create', 'mallory'], { env: { MODA_TOKEN: aliceToken } });
  assert.equal(notAdmin.code, 1);
  assert.match(notAdmin.stderr, /\[AUTH_FORBIDDEN\]\n$/);

  const alice = { MODA_TOKEN: aliceToken };
  const org = await moda(['org', 'create', 'acme'], { env: alice });
  assert.equal(org.code, 0, org.stderr);
  const member = await moda(['org', 'member', 'acme', 'bob', '--role', 'write'], { env: alice });
  assert.equal(member.code, 0, member.stderr);
  assert.equal(member.stdout, 'bob is now write in acme\n');
  const members = JSON.parse((await moda(['org', 'members', 'acme', '--json'], { env: alice })).stdout) as { user: string; role: string }[];
  assert.deepEqual(members, [
    { user: 'alice', role: 'admin' },
    { user: 'bob', role: 'write' },
  ]);
  const whoami = await moda(['whoami'], { env: alice });
  assert.match(whoami.stdout, /orgs: acme \(admin\)/);

  const removed = await moda(['org', 'member', 'acme', 'bob', '--remove'], { env: alice });
  assert.equal(removed.code, 0, removed.stderr);
  const after = JSON.parse((await moda(['org', 'members', 'acme', '--json'], { env: alice })).stdout) as { user: string }[];
  assert.deepEqual(after.map((entry) => entry.user), ['alice']);

  const both = await moda(['org', 'member', 'acme', 'bob'], { env: alice });
  assert.equal(both.code, 1);
  assert.match(both.stderr, /\[VALIDATION_FAILED\]\n$/);
});
