// Cleanup of the shared scratch folders in cluster mode (issue 16): two replicas share MODA_HOME and
// MODA_GIT_ROOT, so start-up recovery leaves `.scratch`, `.trash` and temp uploads alone there. The
// replicas' sweep removes a folder once its owner's lease ran out (a dead replica's, at once after
// one lease of grace), an unowned folder or temp upload once untouched for MODA_SCRATCH_MAX_AGE,
// and never a live replica's: neither its old scratch folder nor an upload it is still receiving,
// however long that upload takes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { after, before, test } from 'node:test';
import { startCluster, type ModaCluster } from './helpers/cluster.js';

let cluster: ModaCluster;
const DAY_AGO = new Date(Date.now() - 24 * 3_600_000);

before(async () => {
  cluster = await startCluster({ nginx: false, env: { MODA_CLUSTER_LEASE: '2s', MODA_SCRATCH_MAX_AGE: '4s' } });
});

after(async () => {
  await cluster?.stop();
});

async function serverMembers(): Promise<string[]> {
  const client = new pg.Client({ connectionString: cluster.postgres.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>("select id from cluster_members where role = 'hub' and expires_at > $1 order by id", [new Date().toISOString()]);
    return rows.map((row) => row.id);
  } finally {
    await client.end();
  }
}

async function oldFolder(path: string): Promise<void> {
  await mkdir(join(path, 'objects'), { recursive: true });
  await writeFile(join(path, 'objects', 'half-written'), 'x');
  await utimes(path, DAY_AGO, DAY_AGO);
}

async function exists(folder: string, name: string): Promise<boolean> {
  return (await readdir(folder).catch(() => [] as string[])).includes(name);
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

void test('dead owners and old unowned leftovers are swept; a live replica keeps its folders and its slow upload', async () => {
  const members = await serverMembers();
  assert.equal(members.length, 2, `both replicas hold a lease: ${members.join(' ')}`);
  const scratch = join(cluster.gitRoot, '.scratch');
  const trash = join(cluster.gitRoot, '.trash');
  const temp = join(cluster.home, 'blobs', 'tmp');
  await mkdir(temp, { recursive: true });
  // A day old, but their owners live: kept.
  const liveOwned = members.map((member) => `${member}~0123456789abcdef`);
  for (const name of liveOwned) await oldFolder(join(scratch, name));
  // Owners that never held a lease (or lost it): removed.
  await oldFolder(join(scratch, 'gone-host:4242:deadbeef~feedface00000000'));
  await oldFolder(join(trash, 'gone-host:4242:deadbeef~0000000000000000'));
  // Written before owners were named, a day ago: removed by age.
  await oldFolder(join(trash, '00112233aabbccdd'));
  await writeFile(join(temp, `${'a'.repeat(64)}.abandoned`), 'partial');
  await utimes(join(temp, `${'a'.repeat(64)}.abandoned`), DAY_AGO, DAY_AGO);

  // An LFS upload to replica B that trickles in for longer than MODA_SCRATCH_MAX_AGE.
  const b = cluster.replicas[1]!.url;
  const created = await cluster.request('/api/repos/create', { base: b, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'slow', organization: 'admin' }) });
  assert.equal(created.status, 200);
  const content = Buffer.alloc(64 * 1024, 7);
  const oid = createHash('sha256').update(content).digest('hex');
  const batch = await cluster.request('/admin/slow.git/info/lfs/objects/batch', { base: b, method: 'POST', headers: { 'content-type': 'application/vnd.git-lfs+json' }, body: JSON.stringify({ operation: 'upload', objects: [{ oid, size: content.length }] }) });
  const href = ((await batch.json()) as { objects: { actions?: { upload?: { href: string } } }[] }).objects[0]?.actions?.upload?.href;
  assert.ok(href);
  const pieces = 32;
  let sent = 0;
  const slowBody = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent === pieces) return controller.close();
      await new Promise((resolve) => setTimeout(resolve, 250));
      controller.enqueue(content.subarray((sent * content.length) / pieces, ((sent + 1) * content.length) / pieces));
      sent++;
    },
  });
  const started = Date.now();
  const put = await fetch(href, { method: 'PUT', body: slowBody, duplex: 'half', headers: { 'content-type': 'application/octet-stream' } } as RequestInit);
  assert.equal(put.status, 200, await put.text());
  assert.ok(Date.now() - started > 6000, 'the upload outlived MODA_SCRATCH_MAX_AGE (4 s) and several sweeps');

  await waitFor(async () => !(await exists(scratch, 'gone-host:4242:deadbeef~feedface00000000')) && !(await exists(trash, '00112233aabbccdd')), 'sweeping the leftovers');
  assert.equal(await exists(trash, 'gone-host:4242:deadbeef~0000000000000000'), false);
  assert.equal(await exists(temp, `${'a'.repeat(64)}.abandoned`), false);
  for (const name of liveOwned) assert.ok(await exists(scratch, name), `a live replica's folder stays: ${name}`);

  // Replica B dies: once its lease ran out (2 s) and the grace passed, A sweeps B's folder.
  const bMember = members.find((member) => cluster.replicas[1]!.process.pid !== undefined && member.includes(`:${cluster.replicas[1]!.process.pid}:`));
  assert.ok(bMember, `B's lease names its pid: ${members.join(' ')}`);
  await cluster.replicas[1]!.stop('SIGKILL');
  await waitFor(async () => !(await exists(scratch, `${bMember}~0123456789abcdef`)), "sweeping the dead replica's folder");
  const aMember = members.find((member) => member !== bMember)!;
  assert.ok(await exists(scratch, `${aMember}~0123456789abcdef`), "A's own folder stays");
});
