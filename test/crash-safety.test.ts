// Crash safety of `moda serve`: the server (with every git process it started, or alone) is
// SIGKILLed in the middle of an LFS upload, of a stream of commits and of one large commit, then
// restarted on the same MODA_HOME. No partial blob becomes visible, every acknowledged commit
// survives, the branch is at an old or a new head and never anything else, git fsck stays clean
// and writes work again.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { commitParents, filesAt, fsckProblems, isAncestor, lockFiles, revParse } from './helpers/crash/git-checks.js';
import { startModaProcess, type ModaProcess } from './helpers/crash/moda-process.js';
import { NDJSON_HEADERS, ndjsonCommit } from './helpers/crash/ndjson-commit.js';

const ADMIN_TOKEN = 'hf_crash_admin';
const MiB = 1024 * 1024;
const LFS_JSON = 'application/vnd.git-lfs+json';

interface CommitReply {
  status: number;
  body: { commitOid?: string; code?: string; error?: string };
}

const sha256 = (content: Uint8Array) => createHash('sha256').update(content).digest('hex');
const gitDirOf = (home: string, name: string) => join(home, 'repos', 'models', 'admin', `${name}.git`);
const listDir = (path: string) => readdir(path).catch(() => [] as string[]);

async function withHome(prefix: string, work: (home: string) => Promise<void>): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), prefix));
  try {
    await work(home);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

function serve(home: string, env: Record<string, string> = {}): Promise<ModaProcess> {
  return startModaProcess({ home, adminToken: ADMIN_TOKEN, env });
}

async function createRepo(moda: ModaProcess, name: string): Promise<void> {
  const created = await moda.request('/api/repos/create', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, organization: 'admin' }),
  });
  assert.equal(created.status, 200, await created.text());
}

async function repoSha(moda: ModaProcess, name: string): Promise<string> {
  const info = await moda.request(`/api/models/admin/${name}`);
  assert.equal(info.status, 200);
  return ((await info.json()) as { sha: string }).sha;
}

async function postCommit(moda: ModaProcess, name: string, body: string): Promise<CommitReply> {
  const response = await moda.request(`/api/models/admin/${name}/commit/main`, { method: 'POST', headers: NDJSON_HEADERS, body });
  return { status: response.status, body: (await response.json()) as CommitReply['body'] };
}

/**
 * What must hold after any crash and restart: git fsck is clean, no lock or half-written pack is
 * left, the API and the search index report the branch head, and a new commit lands on top of it.
 */
async function assertRecovered(moda: ModaProcess, home: string, name: string, label: string): Promise<string> {
  const gitDir = gitDirOf(home, name);
  assert.deepEqual(await fsckProblems(gitDir), [], `${label}: git fsck --strict is clean`);
  assert.deepEqual(await lockFiles(gitDir), [], `${label}: no *.lock files remain`);
  assert.deepEqual((await listDir(join(gitDir, 'objects', 'pack'))).filter((file) => file.startsWith('tmp_')), [], `${label}: no half-written pack remains`);
  assert.deepEqual(await listDir(join(home, 'blobs', 'tmp')), [], `${label}: no temp blob remains`);
  const head = await revParse(gitDir, 'refs/heads/main');
  assert.equal(await repoSha(moda, name), head, `${label}: repo info sha is the branch head`);
  const listing = (await (await moda.request(`/api/models?search=${name}`)).json()) as { id: string; sha: string }[];
  assert.equal(listing.find((repo) => repo.id === `admin/${name}`)?.sha, head, `${label}: the search index was brought up to the branch head`);

  const after = await postCommit(moda, name, ndjsonCommit(`after ${label}`, [{ path: `after-${label}.txt`, content: Buffer.from(label) }], head));
  assert.equal(after.status, 200, `${label}: a commit after the restart succeeds: ${JSON.stringify(after.body)}`);
  assert.deepEqual((await commitParents(gitDir, 'refs/heads/main'))[0], [after.body.commitOid, head]);
  return after.body.commitOid ?? '';
}

async function waitUntil(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

async function lfsBatch(moda: ModaProcess, name: string, oid: string, size: number): Promise<{ actions?: { upload?: { href: string } } }> {
  const response = await moda.request(`/admin/${name}.git/info/lfs/objects/batch`, {
    method: 'POST',
    headers: { 'content-type': LFS_JSON, accept: LFS_JSON },
    body: JSON.stringify({ operation: 'upload', transfers: ['basic'], objects: [{ oid, size }], hash_algo: 'sha256' }),
  });
  assert.equal(response.status, 200);
  const { objects } = (await response.json()) as { objects: { actions?: { upload?: { href: string } } }[] };
  assert.equal(objects.length, 1);
  return objects[0] ?? {};
}

/** Starts a PUT of `content` that sends only the first `sendBytes`, 1 MiB at a time, then stalls. */
function stalledUpload(href: string, content: Buffer, sendBytes: number): Promise<void> {
  const request = httpRequest(href, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': String(content.byteLength) } });
  request.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => request.on('close', resolve));
  // events.once would reject on the ECONNRESET the kill causes; only drain or close matter here.
  const drained = () => Promise.race([new Promise<void>((resolve) => request.once('drain', resolve)), closed]);
  void (async () => {
    for (let offset = 0; offset < sendBytes && !request.destroyed; offset += MiB) {
      if (!request.write(content.subarray(offset, offset + MiB))) await drained();
      await sleep(10);
    }
  })();
  return closed;
}

void test('SIGKILL during a 64 MiB LFS upload: no partial blob is visible, the temp dir is emptied, the upload can be redone', async () => {
  await withHome('moda-crash-lfs-', async (home) => {
    let moda = await serve(home);
    try {
      await createRepo(moda, 'x');
      const content = randomBytes(64 * MiB);
      const oid = sha256(content);
      const blobPath = join(home, 'blobs', 'sha256', oid.slice(0, 2), oid.slice(2));
      const tempDir = join(home, 'blobs', 'tmp');

      const first = await lfsBatch(moda, 'x', oid, content.byteLength);
      const href = first.actions?.upload?.href;
      assert.ok(href, 'the first batch asks for an upload');
      const upload = stalledUpload(href, content, 16 * MiB);
      // Kill only once the server has really written part of the object to its temp file.
      await waitUntil('8 MiB of the upload are on disk', async () => {
        const sizes = await Promise.all((await listDir(tempDir)).map((file) => stat(join(tempDir, file)).then((info) => info.size, () => 0)));
        return sizes.some((size) => size >= 8 * MiB);
      });
      await moda.kill();
      await upload;
      await assert.rejects(stat(blobPath), 'no blob was renamed into place');
      assert.equal((await listDir(tempDir)).length, 1, 'the killed upload left its partial temp file behind');

      moda = await serve(home);
      assert.deepEqual(await listDir(tempDir), [], 'start-up recovery emptied blobs/tmp');
      await assert.rejects(stat(blobPath));
      const again = await lfsBatch(moda, 'x', oid, content.byteLength);
      assert.ok(again.actions?.upload?.href, 'the batch still asks for an upload: nothing partial counts as stored');

      const lfsLine = (path: string) => JSON.stringify({ key: 'lfsFile', value: { path, algo: 'sha256', oid, size: content.byteLength } });
      const header = JSON.stringify({ key: 'header', value: { summary: 'add weights' } });
      const refused = await postCommit(moda, 'x', `${header}\n${lfsLine('model.bin')}\n`);
      assert.equal(refused.status, 422);
      assert.equal(refused.body.code, 'LFS_OBJECT_MISSING');

      const put = await fetch(again.actions?.upload?.href ?? '', { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: content });
      assert.equal(put.status, 200, await put.text());
      const committed = await postCommit(moda, 'x', `${header}\n${lfsLine('model.bin')}\n`);
      assert.equal(committed.status, 200, JSON.stringify(committed.body));

      const download = await moda.request('/admin/x/resolve/main/model.bin');
      assert.equal(download.status, 200);
      const downloaded = Buffer.from(await download.arrayBuffer());
      assert.equal(downloaded.byteLength, content.byteLength);
      assert.equal(sha256(downloaded), oid, 'the downloaded object is the uploaded one');
      assert.deepEqual(await listDir(tempDir), []);
    } finally {
      await moda.stop();
    }
  });
});

void test('SIGKILL during a stream of commits (3 rounds): every acknowledged commit survives, fsck is clean', async (t: TestContext) => {
  await withHome('moda-crash-commits-', async (home) => {
    let moda = await serve(home);
    try {
      await createRepo(moda, 'x');
      const gitDir = gitDirOf(home, 'x');
      const acknowledged: string[] = [];
      const files: string[] = [];
      for (const round of [0, 1, 2]) {
        const before = acknowledged.length;
        let stopped = false;
        let firstAck!: () => void;
        const acked = new Promise<void>((resolve) => (firstAck = resolve));
        const stream = (async () => {
          for (let index = 0; !stopped; index++) {
            const path = `r${round}/f-${index}.txt`;
            const reply = await postCommit(moda, 'x', ndjsonCommit(`r${round} c${index}`, [{ path, content: randomBytes(2048) }])).catch(() => undefined);
            if (reply === undefined) return;
            assert.equal(reply.status, 200, JSON.stringify(reply.body));
            acknowledged.push(reply.body.commitOid ?? '');
            files.push(path);
            firstAck();
          }
        })();
        // Counted from the first acknowledgement, so a slow (loaded) machine still commits before the kill.
        const killAfterMs = 200 + Math.round(Math.random() * 400);
        await Promise.race([acked, stream]);
        await sleep(killAfterMs);
        // Round 1 kills only the server: its git children run on, orphaned, into the restart.
        const onlyServer = round === 1;
        await moda.kill({ onlyServer });
        stopped = true;
        await stream;
        const landed = acknowledged.length - before;
        t.diagnostic(`round ${round}: killed ${onlyServer ? 'the server' : 'the server and its git processes'} ${killAfterMs} ms after the first acknowledgement; ${landed} commits acknowledged`);
        assert.ok(landed > 0, `round ${round}: some commits were acknowledged before the kill`);

        moda = await serve(home);
        const head = await revParse(gitDir, 'refs/heads/main');
        for (const oid of acknowledged) assert.ok(await isAncestor(gitDir, oid, head), `round ${round}: acknowledged ${oid} is reachable from main`);
        const present = new Set(await filesAt(gitDir, head));
        for (const path of files) assert.ok(present.has(path), `round ${round}: ${path} is at the head`);
        acknowledged.push(await assertRecovered(moda, home, 'x', `round-${round}`));
      }
    } finally {
      await moda.stop();
    }
  });
});

void test('SIGKILL during a 40 MiB inline NDJSON commit: the branch is at the old head or the new one, never anything else', async (t: TestContext) => {
  await withHome('moda-crash-large-', async (home) => {
    const env = { MODA_MAX_COMMIT_BODY: '128MiB' };
    let moda = await serve(home, env);
    try {
      await createRepo(moda, 'x');
      const gitDir = gitDirOf(home, 'x');
      const exists = (path: string) => stat(path).then(() => true, () => false);
      const nonEmpty = async (directory: string, prefix = '') => (await listDir(directory)).some((name) => name.startsWith(prefix));
      // A file this large goes to the blob store (as an LFS object) or into git, depending on the
      // repo's LFS rules; the kill points cover both: while the content is being written (temp blob
      // or fast-import pack), once it is stored but the branch has not moved yet, and once the
      // branch has moved but the reply (and the search index update) have not gone out.
      const branchFile = join(gitDir, 'refs', 'heads', 'main');
      const killPoints = [
        {
          label: 'being written',
          ready: async () => (await nonEmpty(join(home, 'blobs', 'tmp'))) || (await nonEmpty(join(gitDir, 'objects', 'pack'), 'tmp_pack_')),
        },
        {
          label: 'stored',
          ready: async (oid: string, blobId: string) =>
            (await exists(join(home, 'blobs', 'sha256', oid.slice(0, 2), oid.slice(2)))) || (await exists(join(gitDir, 'objects', blobId.slice(0, 2), blobId.slice(2)))),
        },
        {
          label: 'committed',
          ready: async (_oid: string, _blobId: string, oldHead: string) => (await readFile(branchFile, 'utf8').catch(() => oldHead)).trim() !== oldHead,
        },
      ];
      for (const point of killPoints) {
        // Fresh content each time, so what the previous kill left behind cannot satisfy the wait.
        const content = randomBytes(40 * MiB);
        const oid = sha256(content);
        const blobId = createHash('sha1').update(`blob ${content.byteLength}\0`).update(content).digest('hex');
        const oldHead = await revParse(gitDir, 'refs/heads/main');
        let settled = false;
        const reply = postCommit(moda, 'x', ndjsonCommit('large', [{ path: 'large.bin', content }])).then(
          (answer) => ((settled = true), answer),
          () => ((settled = true), undefined),
        );
        await waitUntil(`the content is ${point.label}`, async () => settled || (await point.ready(oid, blobId, oldHead)), 60_000);
        await moda.kill();
        const acknowledged = await reply;
        t.diagnostic(`killed once the content was ${point.label}; the client got ${acknowledged ? acknowledged.status : 'no reply'}`);

        moda = await serve(home, env);
        const head = await revParse(gitDir, 'refs/heads/main');
        t.diagnostic(`after the restart the branch is at the ${head === oldHead ? 'old' : 'new'} head`);
        if (head === oldHead) {
          assert.notEqual(acknowledged?.status, 200, 'an acknowledged commit cannot be lost');
        } else {
          assert.deepEqual((await commitParents(gitDir, head))[0], [head, oldHead], 'the new head is the large commit on the old head');
          const download = await moda.request('/admin/x/resolve/main/large.bin');
          assert.equal(download.status, 200);
          assert.equal(sha256(Buffer.from(await download.arrayBuffer())), oid, 'the new head serves the complete file');
        }
        await assertRecovered(moda, home, 'x', `large-${point.label.replace(' ', '-')}`);
      }
    } finally {
      await moda.stop();
    }
  });
});
