// Inference inputs given as URLs, attacked as a second user would (issue 18, High 2): the server
// must not fetch loopback, private, link-local or multicast addresses (after resolving the name,
// and again at each redirect), must answer every failure alike so no port scan reads through it,
// and must fetch before batching under a timeout, so a slow URL holds up nobody but its caller and
// a caller that leaves stops its fetch. Traffic goes to 127.0.0.1 only: names (`*.localhost`, never
// sent to a DNS server) resolve through a fake resolver, and the server reports each address it is
// about to connect to, where the test refuses any but 127.0.0.1, so a refusal is shown to come before
// any connection and a broken guard cannot reach another host. The literal address forms are
// classified in src/pipelines/media/classify-address.test.ts. The first assertions use loopback only, so this file run against the code
// before the fix fails there without sending anything elsewhere.
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/config.js';
import { buildApp, createInferenceService } from '../../src/server/build-app.js';
import { openHub } from '../../src/server/start-server.js';
import type { HubContext } from '../../src/hub/context.js';
import { solidColorPng, tinyImageClassifier } from '../fixtures/tiny-task-models.js';
import { ADMIN_TOKEN } from '../helpers/moda-server.js';

const colours = tinyImageClassifier();
let home = '';
let hub: HubContext;
let app: FastifyInstance;
let base = '';
let mallory = '';
let alice = '';
/** Every address the server opened a connection to for an input URL. */
const connections: string[] = [];

/** The images server on 127.0.0.1: what it was asked for, and the sockets still open. */
let images: Server;
let imagesPort = 0;
const imageRequests: string[] = [];
const openSockets = new Set<Socket>();
let closedPort = 0;
let red: Buffer;

const FAKE_DNS: Record<string, string[]> = {
  'allowed.localhost': ['127.0.0.1'],
  'metadata.localhost': ['169.254.169.254'],
  'private.localhost': ['10.1.2.3'],
  'private-192.localhost': ['192.168.1.1'],
  'multicast.localhost': ['224.0.0.1'],
  'mixed.localhost': ['93.184.216.34', '10.1.2.3'],
  'v6-loopback.localhost': ['::1'],
  'v6-mapped.localhost': ['::ffff:127.0.0.1'],
  'nat64.localhost': ['64:ff9b::a9fe:a9fe'],
  'unspecified.localhost': ['0.0.0.0'],
};

async function api(path: string, init: RequestInit & { token?: string }): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${init.token ?? ADMIN_TOKEN}`);
  return fetch(`${base}${path}`, { ...init, headers });
}

function infer(input: unknown, token: string, init: { headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
  return api('/api/v1/models/admin/colours/pipeline', { method: 'POST', headers: { 'content-type': 'application/json', ...init.headers }, body: JSON.stringify({ input }), token, ...(init.signal && { signal: init.signal }) });
}

async function user(name: string): Promise<string> {
  const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.ok((await api('/api/users', json({ name }))).ok);
  return ((await (await api('/api/tokens', json({ name: 'test', role: 'write', user: name }))).json()) as { token: string }).token;
}

function trickle(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'image/png' });
  const timer = setInterval(() => response.write(Buffer.from([0])), 100);
  response.on('close', () => clearInterval(timer));
}

before(async () => {
  red = await solidColorPng([230, 20, 20]);
  images = createServer((request, response) => {
    imageRequests.push(`${request.headers.host ?? ''}${request.url ?? ''}`);
    if (request.url === '/red.png') return response.writeHead(200, { 'content-type': 'image/png' }).end(red);
    if (request.url === '/to-metadata') return response.writeHead(302, { location: 'http://metadata.localhost/latest/meta-data/' }).end();
    if (request.url === '/to-loopback') return response.writeHead(307, { location: `http://127.0.0.1:${imagesPort}/red.png` }).end();
    if (request.url === '/to-private-name') return response.writeHead(301, { location: 'http://private.localhost/x' }).end();
    if (request.url === '/to-self') return response.writeHead(302, { location: '/to-self' }).end();
    if (request.url === '/slow') return trickle(response);
    return response.writeHead(404).end();
  });
  images.on('connection', (socket) => {
    openSockets.add(socket);
    socket.on('close', () => openSockets.delete(socket));
  });
  await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
  imagesPort = (images.address() as AddressInfo).port;
  // A port nothing listens on: bound, then closed.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));

  home = await mkdtemp(join(tmpdir(), 'moda-url-inputs-'));
  const config = loadConfig({}, { home, host: '127.0.0.1', port: 0, adminToken: ADMIN_TOKEN, logLevel: 'silent', catalog: false, fetchAllow: 'allowed.localhost', fetchTimeoutMs: 30_000 });
  hub = await openHub(config);
  const inference = createInferenceService(hub);
  inference.inputFetchSeams = {
    resolve: (hostname) => {
      const addresses = FAKE_DNS[hostname];
      return addresses ? Promise.resolve(addresses) : Promise.reject(new Error(`no such test host ${hostname}`));
    },
    connecting: (address) => {
      connections.push(address);
      // Offline by construction: were the guard broken, the attempt fails here instead of leaving the machine.
      if (address !== '127.0.0.1') throw new Error(`test: only 127.0.0.1 may be reached, not ${address}`);
    },
  };
  app = await buildApp({ hub, secret: 'test-secret', inference });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const created = await api('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'colours', organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: 'admin/colours', accessToken: ADMIN_TOKEN, hubUrl: base, files: colours.files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
  mallory = await user('mallory');
  alice = await user('alice');
});

after(async () => {
  await app.close();
  await hub.db.destroy();
  for (const socket of openSockets) socket.destroy();
  await new Promise((resolve) => images.close(resolve));
  await rm(home, { recursive: true, force: true });
});

async function expectFetchFailed(response: Response): Promise<{ error: string }> {
  const body = (await response.json()) as { error: string; code: string };
  assert.equal(response.status, 422, JSON.stringify(body));
  assert.equal(body.code, 'INPUT_FETCH_FAILED');
  return body;
}

void test('loopback: a closed and an open port get the same answer, and nothing is fetched', async () => {
  const closed = await expectFetchFailed(await infer(`http://127.0.0.1:${closedPort}/red.png`, mallory));
  const open = await expectFetchFailed(await infer(`http://127.0.0.1:${imagesPort}/red.png`, mallory));
  assert.deepEqual(open, closed, 'no oracle: the same message whether the port is open or closed');
  assert.deepEqual(imageRequests, [], 'the server on 127.0.0.1 was never asked');
  assert.deepEqual(connections, [], 'no connection was opened');
});

void test('private, link-local, multicast and IPv6 forms are refused before any connection, literals and names alike', async () => {
  const urls = [
    `http://[::1]:${imagesPort}/red.png`,
    `http://[::ffff:127.0.0.1]:${imagesPort}/red.png`,
    `http://unspecified.localhost:${imagesPort}/red.png`,
    'http://private-192.localhost/x.png',
    'http://[fe80::1]/x.png',
    'http://[fd00::1]/x.png',
    'http://multicast.localhost/x.png',
    'http://metadata.localhost/latest/meta-data/',
    'http://private.localhost/x.png',
    'http://mixed.localhost/x.png',
    `http://v6-loopback.localhost:${imagesPort}/red.png`,
    `http://v6-mapped.localhost:${imagesPort}/red.png`,
    'http://nat64.localhost/latest/meta-data/',
    'http://no-such-host.localhost/x.png',
    'file:///etc/passwd',
    `http://user:pw@allowed.localhost:${imagesPort}/red.png`,
  ];
  const messages = new Set<string>();
  for (const url of urls) {
    const response = await infer(url, mallory);
    if (url.startsWith('file:')) {
      // Not a URL input at all: it is read as (bad) base64.
      assert.equal(response.status, 400, url);
      continue;
    }
    messages.add((await expectFetchFailed(response)).error);
  }
  assert.equal(messages.size, 1, 'one message for every failure');
  assert.deepEqual(connections, []);
  assert.deepEqual(imageRequests, []);
});

void test('an allowlisted host is fetched at the address it resolved to; its redirects are checked again', async () => {
  const allowed = await infer(`http://allowed.localhost:${imagesPort}/red.png`, mallory);
  assert.equal(allowed.status, 200, await allowed.clone().text());
  assert.equal(((await allowed.json()) as { output: { label: string }[] }).output[0]?.label, 'red');
  assert.deepEqual(connections, ['127.0.0.1']);
  assert.deepEqual(imageRequests, [`allowed.localhost:${imagesPort}/red.png`], 'the Host header names the URL\'s host');

  for (const path of ['/to-metadata', '/to-loopback', '/to-private-name', '/to-self']) {
    connections.length = 0;
    imageRequests.length = 0;
    await expectFetchFailed(await infer(`http://allowed.localhost:${imagesPort}${path}`, mallory));
    // Only the allowlisted server was reached; the forbidden target never was.
    assert.ok(connections.every((address) => address === '127.0.0.1'), `${path}: ${connections.join(', ')}`);
    assert.ok(imageRequests.every((request) => request.startsWith('allowed.localhost:')), `${path}: ${imageRequests.join(', ')}`);
    if (path === '/to-self') assert.equal(imageRequests.length, 4, 'the first request and 3 redirects, no more');
    else assert.equal(connections.length, 1, path);
  }
});

void test('a slow URL holds up only its own request, which times out with the same code', async () => {
  const started = performance.now();
  let slowDone = false;
  const slow = infer(`http://allowed.localhost:${imagesPort}/slow`, mallory, { headers: { 'x-request-timeout': '2000' }, signal: AbortSignal.timeout(25_000) }).finally(() => (slowDone = true));
  // Wait until the slow server is being read, then serve other users meanwhile.
  while (!imageRequests.some((request) => request.endsWith('/slow'))) await new Promise((resolve) => setTimeout(resolve, 20));
  const data = `data:image/png;base64,${red.toString('base64')}`;
  for (let round = 0; round < 3; round++) {
    const answer = await infer(data, alice);
    assert.equal(answer.status, 200);
    assert.equal(((await answer.json()) as { output: { label: string }[] }).output[0]?.label, 'red');
  }
  assert.equal(slowDone, false, 'other users were served while the slow URL was still being read');
  await expectFetchFailed(await slow);
  assert.ok(performance.now() - started < 25_000);
});

void test('a client that leaves cancels its fetch', async () => {
  imageRequests.length = 0;
  const before = openSockets.size;
  const controller = new AbortController();
  const leaving = infer(`http://allowed.localhost:${imagesPort}/slow`, mallory, { signal: controller.signal }).catch(() => undefined);
  while (!imageRequests.some((request) => request.endsWith('/slow'))) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(openSockets.size, before + 1);
  controller.abort();
  await leaving;
  // The server's fetch timeout is 30 s: a close well within it is the cancellation.
  const deadline = Date.now() + 10_000;
  while (openSockets.size > before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(openSockets.size, before, 'the slow server saw the fetch go away');
});

void test('the Hugging Face route answers the same way', async () => {
  const response = await api('/models/admin/colours', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: `http://127.0.0.1:${imagesPort}/red.png` }), token: mallory });
  assert.equal(response.status, 422);
  assert.equal(response.headers.get('x-error-code'), 'INPUT_FETCH_FAILED');
});
