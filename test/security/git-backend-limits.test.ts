// Issue 18, Medium 8: every slow git client held a `git http-backend` and an upload-pack for as
// long as it liked. Here a few clients on 127.0.0.x open upload-pack requests that never send
// their body: past the per-address cap the next request gets 429, past the global cap 503, both
// with Retry-After; the idle timeout ends the stalled transfers and frees their slots, after
// which a real `git clone` works again.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/moda-server.js';

let server: TestServer;
let work: string;
let port: number;
const sockets: Socket[] = [];

/** An upload-pack request that announces a body and never sends it. */
async function stalledClient(from: string): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, localAddress: from });
  sockets.push(socket);
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  socket.write(`POST /admin/r.git/git-upload-pack HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-git-upload-pack-request\r\nContent-Length: 100000\r\n\r\n`);
  return socket;
}

/** GET info/refs from a given source address: status and Retry-After. */
function advertise(from: string): Promise<{ status: number; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, localAddress: from, path: '/admin/r.git/info/refs?service=git-upload-pack' }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] as string | undefined }));
    });
    request.on('error', reject);
    request.end();
  });
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) {
      assert.ok(done(value), `${what}: last answer ${JSON.stringify(value)}`);
      return value;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'moda-sec-git-limits-'));
  server = await startTestServer({ gitMaxBackends: 3, gitMaxBackendsPerClient: 2, gitIdleTimeoutMs: 2000 });
  port = Number(new URL(server.url).port);
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'r' }) });
  assert.equal(created.status, 200);
});

after(async () => {
  for (const socket of sockets) socket.destroy();
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

void test('stalled clients are capped per address and in all, then timed out', { timeout: 60_000 }, async () => {
  await stalledClient('127.0.0.1');
  await stalledClient('127.0.0.1');
  const perClient = await until(() => advertise('127.0.0.1'), (answer) => answer.status === 429, 'a third transfer from 127.0.0.1');
  assert.ok(Number(perClient.retryAfter) > 0, 'Retry-After on 429');
  // Another address still gets in while the global cap has room.
  assert.equal((await advertise('127.0.0.2')).status, 200);

  const third = await stalledClient('127.0.0.2');
  const global = await until(() => advertise('127.0.0.3'), (answer) => answer.status === 503, 'a transfer past the global cap');
  assert.ok(Number(global.retryAfter) > 0, 'Retry-After on 503');

  // The idle timeout ends the stalled transfers: their connections close and the slots come back.
  await once(third, 'close');
  await until(() => advertise('127.0.0.1'), (answer) => answer.status === 200, 'a transfer after the stalled ones timed out');

  const url = new URL(server.url);
  const clone = spawn('git', ['clone', '-q', `http://${url.host}/admin/r.git`, join(work, 'clone')], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' } });
  const [code] = (await once(clone, 'close')) as [number];
  assert.equal(code, 0, 'git clone after the limits freed up');
});
