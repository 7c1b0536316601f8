// Caches an anonymous caller can grow: every anonymous download bumps a repo's counter, and the
// repo-info cache used to key its answers by that counter, so download + info in a loop added an
// entry each time (measured: +930 MB RSS). The caches report their entries and bytes in /metrics.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createUserWithToken, startTestServer, type TestServer } from '../helpers/moda-server.js';

let server: TestServer;

/** moda_cache_entries / moda_cache_bytes of one cache, read as an admin scraper would. */
async function cacheGauge(metric: 'moda_cache_entries' | 'moda_cache_bytes', cache: string): Promise<number> {
  const text = await (await server.request('/metrics')).text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${metric}{cache="${cache}"}`));
  assert.ok(line, `${metric}{cache="${cache}"} is reported`);
  return Number(line.split(' ').at(-1));
}

before(async () => {
  server = await startTestServer();
  const token = await createUserWithToken(server, 'carol');
  assert.equal((await server.request('/api/repos/create', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'popular' }) })).status, 200);
  const body = [JSON.stringify({ key: 'header', value: { summary: 'card' } }), JSON.stringify({ key: 'file', value: { path: 'README.md', content: Buffer.from('# popular').toString('base64'), encoding: 'base64' } })].join('\n');
  assert.equal((await server.request('/api/models/carol/popular/commit/main', { method: 'POST', token, headers: { 'content-type': 'application/x-ndjson' }, body })).status, 200);
});
after(async () => server.stop());

void test('anonymous downloads do not grow the repo-info cache, and info shows the current counters', async () => {
  const info = async () => (await (await server.request('/api/models/carol/popular', { token: null })).json()) as { downloads: number; likes: number; id: string };
  const first = await info();
  const entries = await cacheGauge('moda_cache_entries', 'hf-repo-info');
  const bytes = await cacheGauge('moda_cache_bytes', 'hf-repo-info');
  assert.ok(bytes > 0);
  const rounds = 40;
  for (let round = 1; round <= rounds; round++) {
    await (await server.request('/carol/popular/resolve/main/README.md', { token: null })).arrayBuffer();
    const now = await info();
    // The counter is fresh on every answer though the rest comes from the cache.
    assert.equal(now.downloads, first.downloads + round);
    assert.equal(now.id, 'carol/popular');
  }
  assert.equal(await cacheGauge('moda_cache_entries', 'hf-repo-info'), entries);
  assert.equal(await cacheGauge('moda_cache_bytes', 'hf-repo-info'), bytes);
});

