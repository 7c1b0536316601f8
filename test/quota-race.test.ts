// The storage quota under concurrent uploads (concurrency review, issue 16): check and charge are
// one conditional insert per object (storage-quota.ts), so uploads sent at once can never together
// pass the quota, on SQLite and on PostgreSQL (where a namespace advisory lock orders them). Before,
// every request read the same old sum and all of them were granted.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Config } from '../src/config/config.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';
import { startPostgresCluster, type PostgresCluster } from './helpers/postgres-cluster.js';

const QUOTA = 1000;
const oidOf = (text: string) => createHash('sha256').update(text).digest('hex');

function raceSuite(label: string, overrides: () => Promise<Partial<Config>>, cleanup: () => Promise<void>) {
  void describe(label, () => {
    let server: TestServer;
    let token: string;
    before(async () => {
      server = await startTestServer({ quotaStorageBytes: QUOTA, ...(await overrides()) });
      token = await createUserWithToken(server, 'carol', 'write');
      const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'carol/race' }), token });
      assert.equal(created.status, 200);
    });
    after(async () => {
      await server?.stop();
      await cleanup();
    });

    void test('LFS batches sent at once are granted no more than the quota holds', async () => {
      // 12 distinct objects of 300 bytes: 3 fit in 1000.
      const answers = await Promise.all(
        Array.from({ length: 12 }, async (_, index) => {
          const object = { oid: oidOf(`${label} object ${index}`), size: 300 };
          const response = await server.request('/carol/race.git/info/lfs/objects/batch', { method: 'POST', headers: { 'content-type': 'application/vnd.git-lfs+json' }, body: JSON.stringify({ operation: 'upload', objects: [object] }), token });
          assert.equal(response.status, 200);
          const body = (await response.json()) as { objects: { actions?: unknown; error?: { code: number } }[] };
          return body.objects[0]?.error ? 'refused' : 'granted';
        }),
      );
      assert.equal(answers.filter((answer) => answer === 'granted').length, 3, answers.join(' '));
    });

    void test('commits with inline LFS files sent at once are charged within the quota, all or nothing each', async () => {
      // The namespace holds 900 bytes now: each 60-byte commit fits alone; only one more fits.
      const lines = (index: number) =>
        [{ key: 'header', value: { summary: `add ${index}` } }, { key: 'file', value: { path: `w${index}.bin`, content: Buffer.alloc(60, index + 1).toString('base64'), encoding: 'base64' } }].map((line) => JSON.stringify(line)).join('\n');
      const statuses = await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          server
            .request('/api/models/carol/race/commit/main', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines(index), token })
            .then((answer) => answer.status),
        ),
      );
      // *.bin is an LFS pattern of the default .gitattributes, so each file is charged.
      assert.deepEqual(
        statuses.filter((status) => status === 200).length,
        1,
        `one commit fits in the 100 bytes left: ${statuses.join(' ')}`,
      );
      assert.ok(statuses.every((status) => status === 200 || status === 413), statuses.join(' '));
    });
  });
}

raceSuite('SQLite', async () => ({}), async () => undefined);

let postgres: PostgresCluster | undefined;
raceSuite(
  'PostgreSQL',
  async () => {
    postgres = await startPostgresCluster();
    return { databaseUrl: postgres.url };
  },
  async () => {
    await postgres?.stop();
  },
);
