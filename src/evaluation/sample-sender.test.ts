// The eval loop's node:http sender against a real server on 127.0.0.1:0: bodies arrive as sent with
// the token, answers parse, failures map to the same ModaError codes as through ModaClient's fetch,
// connections are kept alive (no more sockets than asked for), a kept-alive socket the server drops
// is retried on a fresh one, an abort rejects with its reason and a closed port is UPSTREAM_UNAVAILABLE.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { test } from 'node:test';
import { ModaClient } from '../client/moda-client.js';
import { isModaError } from '../errors/moda-error.js';
import { clientSampleSender, httpSampleSender, type SampleRequest } from './sample-sender.js';

async function body(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function listen(handler: (request: IncomingMessage, response: ServerResponse, received: Buffer) => void): Promise<{ server: Server; endpoint: string; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => void body(request).then((received) => handler(request, response, received)));
  server.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sockets };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

const sample = (overrides: Partial<SampleRequest> = {}): SampleRequest => ({ path: '/api/v1/models/a/b/pipeline?task=ocr', body: new Uint8Array([1, 2, 3]), contentType: 'application/octet-stream', signal: new AbortController().signal, what: 'sample 0', ...overrides });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

void test('bodies arrive as sent with the token, answers parse, and sockets are kept alive', async () => {
  const { server, endpoint, sockets } = await listen((request, response, received) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ output: { url: request.url, type: request.headers['content-type'], auth: request.headers.authorization, bytes: [...received] } }));
  });
  const sender = httpSampleSender({ endpoint: `${endpoint}/`, token: 'tok', sockets: 3 });
  try {
    // A view into a larger buffer: only its own bytes are sent.
    const backing = new Uint8Array([9, 7, 8, 6, 9]);
    const answer = await sender.send(sample({ body: backing.subarray(1, 4) }));
    assert.deepEqual(answer, { output: { url: '/api/v1/models/a/b/pipeline?task=ocr', type: 'application/octet-stream', auth: 'Bearer tok', bytes: [7, 8, 6] } });
    const text = await sender.send(sample({ body: JSON.stringify({ input: 'héllo' }), contentType: 'application/json' }));
    assert.deepEqual((text as { output: { bytes: number[] } }).output.bytes, [...Buffer.from('{"input":"héllo"}')]);
    const answers = await Promise.all(Array.from({ length: 30 }, (_, index) => sender.send(sample({ body: new Uint8Array([index]) }))));
    assert.deepEqual(answers.map((answer) => (answer as { output: { bytes: number[] } }).output.bytes[0]), Array.from({ length: 30 }, (_, index) => index));
    assert.ok(sockets.size <= 3, `${sockets.size} connections for 3 sockets`);
  } finally {
    sender.close();
    await close(server);
  }
});

void test('failed answers map to the same ModaError codes and messages as through ModaClient', async () => {
  const { server, endpoint } = await listen((request, response) => {
    if (request.url?.includes('queue')) {
      response.writeHead(503, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'the queue is full', code: 'QUEUE_FULL' }));
    } else if (request.url?.includes('proxy')) {
      response.writeHead(502, { 'content-type': 'text/html' });
      response.end('<html>bad gateway</html>');
    } else {
      response.writeHead(404, { 'x-error-code': 'RepoNotFound', 'x-error-message': 'no such model' });
      response.end();
    }
  });
  const http = httpSampleSender({ endpoint, token: undefined, sockets: 2 });
  const viaFetch = clientSampleSender(new ModaClient({ endpoint }));
  try {
    for (const [path, code] of [['/queue', 'QUEUE_FULL'], ['/proxy', 'UPSTREAM_UNAVAILABLE'], ['/missing', 'HUB_REPO_NOT_FOUND']] as const) {
      const [ours, theirs] = await Promise.all([rejection(http.send(sample({ path }))), rejection(viaFetch.send(sample({ path })))]);
      assert.ok(isModaError(ours) && isModaError(theirs), `${path}: ModaErrors`);
      assert.equal(ours.code, code, path);
      assert.equal(ours.code, theirs.code, path);
      assert.equal(ours.message, theirs.message, path);
      assert.equal((ours.details as { status: number }).status, (theirs.details as { status: number }).status, path);
    }
  } finally {
    http.close();
    await close(server);
  }
});

void test('a kept-alive socket the server drops is retried once on a fresh one', async () => {
  let requests = 0;
  const { server, endpoint, sockets } = await listen((_request, response) => {
    requests++;
    // The second request comes on the first one's kept-alive socket: dropped without an answer.
    if (requests === 2) return response.socket?.destroy();
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ output: requests }));
  });
  const sender = httpSampleSender({ endpoint, token: undefined, sockets: 1 });
  try {
    assert.deepEqual(await sender.send(sample()), { output: 1 });
    assert.deepEqual(await sender.send(sample()), { output: 3 });
    assert.equal(requests, 3);
    assert.equal(sockets.size, 2);
  } finally {
    sender.close();
    await close(server);
  }
});

void test('an abort rejects with its reason; a closed port is UPSTREAM_UNAVAILABLE', async () => {
  const { server, endpoint } = await listen(() => undefined);
  const sender = httpSampleSender({ endpoint, token: undefined, sockets: 1 });
  try {
    const controller = new AbortController();
    const pending = sender.send(sample({ signal: controller.signal }));
    const reason = new Error('stop');
    controller.abort(reason);
    assert.equal(await rejection(pending), reason);
  } finally {
    sender.close();
    await close(server);
  }
  const closed = httpSampleSender({ endpoint, token: undefined, sockets: 1 });
  const error = await rejection(closed.send(sample()));
  assert.ok(isModaError(error));
  assert.equal(error.code, 'UPSTREAM_UNAVAILABLE');
  closed.close();
});
