// `moda pull ms:…` against a real Moda serving the ModelScope v1 API (MODA_MS_UPSTREAM): the file
// list with Sha256/IsLFS, the `master` default revision, raw downloads and the commits list.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../src/cli/run-cli.js';
import type { RepoInfo } from '../src/client/api-types.js';
import { ModaClient } from '../src/client/moda-client.js';
import { upload } from '../src/client/upload.js';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let upstream: TestServer;
let local: TestServer;
let work: string;
let weights: Buffer;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function moda(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { MODA_HOME: join(work, 'cli-home'), MODA_ENDPOINT: local.url, MODA_TOKEN: ADMIN_TOKEN, MODA_MS_UPSTREAM: upstream.url },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from([]),
  });
  return { code, stdout, stderr };
}

async function files(server: TestServer, api: string): Promise<string[]> {
  const response = await server.request(`${api}?blobs=true`);
  assert.equal(response.status, 200, await response.clone().text());
  return (((await response.json()) as RepoInfo).siblings ?? []).map((sibling) => `${sibling.rfilename} ${sibling.size} ${sibling.lfs?.sha256 ?? sibling.blobId}`).sort();
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'moda-pull-ms-'));
  [upstream, local] = await Promise.all([startTestServer(), startTestServer()]);
  const token = await createUserWithToken(upstream, 'erin');
  const client = new ModaClient({ endpoint: upstream.url, token });
  await client.createRepo('erin/scope');
  const folder = await mkdtemp(join(work, 'seed-'));
  weights = randomBytes(1024 * 1024 + 11);
  await writeFile(join(folder, 'pytorch_model.bin'), weights);
  await writeFile(join(folder, 'configuration.json'), '{"framework":"pytorch","task":"text-classification"}\n');
  await upload(client, 'erin/scope', folder, { message: 'Scope weights', description: 'From the ModelScope side.' });
});

after(async () => {
  await Promise.all([upstream.stop(), local.stop()]);
  await rm(work, { recursive: true, force: true });
});

void test('ms: pull copies files (LFS kept as LFS), verified by Sha256, with the head commit message', async () => {
  const result = await moda(['pull', 'ms:erin/scope', '--to', 'admin/scope']);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(await files(local, '/api/models/admin/scope'), await files(upstream, '/api/models/erin/scope'));
  const content = Buffer.from(await (await local.request('/admin/scope/resolve/main/pytorch_model.bin')).arrayBuffer());
  assert.equal(sha256(content), sha256(weights));
  const [head] = (await (await local.request('/api/models/admin/scope/commits/main')).json()) as { title: string; message: string }[];
  assert.equal(head?.title, 'Scope weights');
  assert.equal(head?.message, 'From the ModelScope side.');

  const again = await moda(['pull', 'ms:erin/scope', '--to', 'admin/scope']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /already up to date/);
});
