// Start-up recovery removes crash leftovers only when no other server shares MODA_HOME: a second
// replica starting up must never delete a live writer's temp files or locks.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTestServer } from './helpers/moda-server.js';

void test('a second server on the same MODA_HOME leaves the first one\'s leftovers alone; a lone restart cleans them', async () => {
  const home = await mkdtemp(join(tmpdir(), 'moda-recovery-'));
  try {
    const first = await startTestServer({}, home);
    const created = await first.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'r', organization: 'admin' }) });
    assert.equal(created.status, 200);
    const inFlightBlob = join(home, 'blobs', 'tmp', `${'a'.repeat(64)}.upload`);
    const inFlightLock = join(home, 'repos', 'models', 'admin', 'r.git', 'refs', 'heads', 'main.lock');
    await mkdir(join(home, 'blobs', 'tmp'), { recursive: true });
    await writeFile(inFlightBlob, 'partial');
    await writeFile(inFlightLock, 'x');

    const second = await startTestServer({}, home);
    assert.ok(existsSync(inFlightBlob), 'a replica starting up keeps another writer\'s temp file');
    assert.ok(existsSync(inFlightLock), 'and its ref lock');
    await second.close();
    await first.close();

    const alone = await startTestServer({}, home);
    assert.ok(!existsSync(inFlightBlob), 'with no other server alive, leftovers are garbage');
    assert.ok(!existsSync(inFlightLock));
    const info = await alone.request('/api/models/admin/r');
    assert.equal(info.status, 200);
    await alone.close();
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
