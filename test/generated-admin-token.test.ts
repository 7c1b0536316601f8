// Without MODA_ADMIN_TOKEN the first start makes an admin token and keeps it in
// $MODA_HOME/admin-token (mode 0600); later starts, and servers starting at once on the same home,
// use that same token.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTestServer, type TestServer } from './helpers/moda-server.js';

async function whoami(server: TestServer, token: string): Promise<number> {
  return (await server.request('/api/whoami-v2', { token })).status;
}

void test('servers starting at once on a fresh home share one generated admin token, kept across restarts', async () => {
  const home = await mkdtemp(join(tmpdir(), 'moda-generated-token-'));
  try {
    const servers = await Promise.all([startTestServer({ adminToken: '' }, home), startTestServer({ adminToken: '' }, home)]);
    const path = join(home, 'admin-token');
    const token = (await readFile(path, 'utf8')).trim();
    assert.match(token, /^hf_moda_[\w-]{32}$/);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    for (const server of servers) assert.equal(await whoami(server, token), 200);
    assert.equal(await whoami(servers[0]!, `${token}x`), 401);
    await Promise.all(servers.map((server) => server.stop()));

    const again = await startTestServer({ adminToken: '' }, home);
    try {
      assert.equal((await readFile(path, 'utf8')).trim(), token);
      assert.equal(await whoami(again, token), 200);
    } finally {
      await again.stop();
    }
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

void test('an empty admin-token file stops the start with a message saying what to do', async () => {
  const home = await mkdtemp(join(tmpdir(), 'moda-generated-token-'));
  try {
    await writeFile(join(home, 'admin-token'), '\n', { mode: 0o600 });
    await assert.rejects(startTestServer({ adminToken: '' }, home), { code: 'CONFIG_INVALID', message: /admin-token is empty: delete it/ });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
