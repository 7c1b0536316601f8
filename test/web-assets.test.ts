// How `moda serve` sends the web UI's files (src/server/web-ui.ts): brotli or gzip as the client's
// Accept-Encoding allows, identical bytes once decoded, Vary and a per-encoding ETag, 304 on a match,
// no compression for already-compressed types or tiny files, and index.html picked up anew after a
// rebuild. Raw node:http requests, because fetch would decode the body and hide the encoding.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { startTestServer, type TestServer } from './helpers/moda-server.js';

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let server: TestServer;
let dist: string;
const SCRIPT = `// app\n${Array.from({ length: 400 }, (_, index) => `export const value${index} = 'text that compresses well ${index % 7}';`).join('\n')}\n`;
const IMAGE = randomBytes(4096);

function get(path: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${server.url}${path}`, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

function decoded(answer: RawAnswer): string {
  const encoding = answer.headers['content-encoding'];
  if (encoding === 'br') return brotliDecompressSync(answer.body).toString('utf8');
  if (encoding === 'gzip') return gunzipSync(answer.body).toString('utf8');
  assert.equal(encoding, undefined);
  return answer.body.toString('utf8');
}

before(async () => {
  dist = await mkdtemp(join(tmpdir(), 'moda-web-assets-'));
  await mkdir(join(dist, 'assets'));
  await writeFile(join(dist, 'index.html'), `<!doctype html><html><body><div id="root"></div>${'<!-- padding -->'.repeat(100)}<script type="module" src="/assets/app-abc123.js"></script></body></html>`);
  await writeFile(join(dist, 'assets', 'app-abc123.js'), SCRIPT);
  await writeFile(join(dist, 'assets', 'tiny-abc123.css'), 'body{margin:0}');
  await writeFile(join(dist, 'assets', 'logo-abc123.png'), IMAGE);
  server = await startTestServer({ webDist: dist });
});

after(async () => {
  await server?.stop();
  if (dist) await rm(dist, { recursive: true, force: true });
});

void test('a script goes out in the best encoding the client accepts, with the same bytes decoded', async () => {
  const gzip = await get('/assets/app-abc123.js', { 'accept-encoding': 'gzip, deflate' });
  assert.equal(gzip.status, 200);
  assert.equal(gzip.headers['content-encoding'], 'gzip');
  assert.equal(decoded(gzip), SCRIPT);
  assert.ok(gzip.body.length < SCRIPT.length / 4, `gzip sent ${gzip.body.length} of ${SCRIPT.length} bytes`);
  assert.match(gzip.headers['content-type'] ?? '', /javascript/);
  assert.equal(gzip.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal(gzip.headers.vary, 'accept-encoding');

  // Brotli is made in the background; gzip stands in until it is ready.
  let brotli = await get('/assets/app-abc123.js', { 'accept-encoding': 'gzip, deflate, br' });
  for (let attempt = 0; brotli.headers['content-encoding'] !== 'br' && attempt < 100; attempt++) {
    assert.equal(brotli.headers['content-encoding'], 'gzip');
    await new Promise((resolve) => setTimeout(resolve, 50));
    brotli = await get('/assets/app-abc123.js', { 'accept-encoding': 'gzip, deflate, br' });
  }
  assert.equal(brotli.headers['content-encoding'], 'br');
  assert.equal(decoded(brotli), SCRIPT);
  assert.notEqual(brotli.headers.etag, gzip.headers.etag, 'each encoding has its own validator');

  const plain = await get('/assets/app-abc123.js');
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.body.toString('utf8'), SCRIPT);
  assert.equal(plain.headers.vary, 'accept-encoding');
  for (const [accept, expected] of [
    ['br;q=0, gzip', 'gzip'],
    ['gzip;q=0.5, br;q=0.1', 'gzip'],
    ['*', 'br'],
    ['br;q=0, gzip;q=0', undefined],
    ['identity', undefined],
    ['compress, x-unknown', undefined],
  ] as const) {
    assert.equal((await get('/assets/app-abc123.js', { 'accept-encoding': accept })).headers['content-encoding'], expected, accept);
  }
});

void test('a matching If-None-Match answers 304 without a body', async () => {
  const first = await get('/assets/app-abc123.js', { 'accept-encoding': 'gzip' });
  const etag = first.headers.etag;
  assert.ok(etag, 'an ETag is sent');
  const again = await get('/assets/app-abc123.js', { 'accept-encoding': 'gzip', 'if-none-match': etag });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  assert.equal(again.headers.etag, etag);
  // Another encoding's validator is another body.
  assert.equal((await get('/assets/app-abc123.js', { 'if-none-match': etag })).status, 200);
  assert.equal((await get('/assets/app-abc123.js', { 'accept-encoding': 'gzip', 'if-none-match': '"something-else"' })).status, 200);
});

void test('compressed or tiny files go out as they are', async () => {
  const image = await get('/assets/logo-abc123.png', { 'accept-encoding': 'gzip, br' });
  assert.equal(image.headers['content-encoding'], undefined);
  assert.equal(image.headers['content-type'], 'image/png');
  assert.deepEqual(image.body, IMAGE);
  const tiny = await get('/assets/tiny-abc123.css', { 'accept-encoding': 'gzip, br' });
  assert.equal(tiny.headers['content-encoding'], undefined);
  assert.equal(tiny.body.toString('utf8'), 'body{margin:0}');
  for (const path of ['/assets/missing.js', '/assets/..%2Findex.html', '/assets/']) assert.equal((await get(path, { 'accept-encoding': 'gzip' })).status, 404, path);
});

void test('index.html is compressed, revalidated with its ETag and re-read after a rebuild', async () => {
  const page = await get('/', { accept: 'text/html', 'accept-encoding': 'gzip' });
  assert.equal(page.status, 200);
  assert.equal(page.headers['content-encoding'], 'gzip');
  assert.equal(page.headers['cache-control'], 'no-cache');
  assert.match(decoded(page), /app-abc123\.js/);
  const etag = page.headers.etag;
  assert.ok(etag);
  assert.equal((await get('/', { accept: 'text/html', 'accept-encoding': 'gzip', 'if-none-match': etag })).status, 304);

  await writeFile(join(dist, 'index.html'), `<!doctype html><html><body><div id="root"></div>${'<!-- rebuilt -->'.repeat(100)}<script type="module" src="/assets/app-def456.js"></script></body></html>`);
  const rebuilt = await get('/', { accept: 'text/html', 'accept-encoding': 'gzip', 'if-none-match': etag });
  assert.equal(rebuilt.status, 200);
  assert.notEqual(rebuilt.headers.etag, etag);
  assert.match(decoded(rebuilt), /app-def456\.js/);
  // Still never shadowing the API: without text/html the path is a plain 404.
  assert.equal((await get('/', { 'accept-encoding': 'gzip' })).status, 404);
});
