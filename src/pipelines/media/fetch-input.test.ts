// fetchInput against a real server on 127.0.0.1 (allowlisted) and names from a fake resolver: the
// whole-fetch timeout stops a trickling body, the size cap stops a long one (declared or not),
// names resolving to forbidden addresses are refused without a connection, and the failures all
// read alike. prepareMediaInputs: URL inputs off, media inside object inputs, audio measured.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { isModaError } from '../../errors/moda-error.js';
import { getTask } from '../../tasks/catalog.js';
import { encodeWav } from './decode-audio.js';
import { parseFetchAllowlist } from './fetch-allowlist.js';
import { fetchInput, type InputFetchOptions } from './fetch-input.js';
import { prepareMediaInputs } from './prepare-media-inputs.js';

let server: Server;
let port = 0;
const connections: string[] = [];

before(async () => {
  server = createServer((request, response) => {
    if (request.url === '/trickle') {
      response.writeHead(200);
      const timer = setInterval(() => response.write('x'), 50);
      response.on('close', () => clearInterval(timer));
      return;
    }
    if (request.url === '/long') return response.writeHead(200).end(Buffer.alloc(5000));
    if (request.url === '/declared') return response.writeHead(200, { 'content-length': '5000' }).end(Buffer.alloc(5000));
    if (request.url === '/chunked') {
      response.writeHead(200);
      for (let part = 0; part < 10; part++) response.write(Buffer.alloc(600));
      return response.end();
    }
    if (request.url === '/ok') return response.writeHead(200).end('hello');
    return response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(() => new Promise((resolve) => server.close(resolve)));

function options(overrides: Partial<InputFetchOptions> = {}): InputFetchOptions {
  return {
    allowlist: parseFetchAllowlist('127.0.0.1'),
    connectTimeoutMs: 2000,
    timeoutMs: 5000,
    maxBytes: 4096,
    resolve: (hostname) => Promise.resolve({ 'inside': ['192.168.0.7'], 'outside': ['127.0.0.1'] }[hostname] ?? []),
    connecting: (address) => connections.push(address),
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isModaError(error));
    return { code: error.code, message: error.message };
  }
  assert.fail('expected a failure');
}

void test('fetches an allowed address; the body is the bytes', async () => {
  assert.equal((await fetchInput(`http://127.0.0.1:${port}/ok`, options())).toString(), 'hello');
});

void test('the whole-fetch timeout stops a body that trickles forever', async () => {
  // The body never ends and never idles past the read timeout: only the whole-fetch timeout ends it.
  const result = await failure(fetchInput(`http://127.0.0.1:${port}/trickle`, options({ timeoutMs: 300 })));
  assert.equal(result.code, 'INPUT_FETCH_FAILED');
});

void test('the size cap, declared or streamed', async () => {
  for (const path of ['/long', '/declared', '/chunked']) assert.equal((await failure(fetchInput(`http://127.0.0.1:${port}${path}`, options()))).code, 'INPUT_FETCH_FAILED', path);
});

void test('a name resolving to a private address is refused before any connection; all failures read alike', async () => {
  connections.length = 0;
  const messages = new Set<string>();
  for (const url of [`http://inside:${port}/ok`, 'http://nowhere/', `http://127.0.0.1:${port}/missing`, 'ftp://127.0.0.1/x', 'http://[::1]/', 'not a url']) {
    const result = await failure(fetchInput(url, options()));
    assert.equal(result.code, 'INPUT_FETCH_FAILED', url);
    messages.add(result.message);
  }
  assert.equal(messages.size, 1);
  assert.deepEqual(connections, ['127.0.0.1'], 'only the allowed server (its 404) was connected to');
});

void test('a signal that fires cancels with REQUEST_CANCELLED', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  assert.equal((await failure(fetchInput(`http://127.0.0.1:${port}/trickle`, options({ signal: controller.signal })))).code, 'REQUEST_CANCELLED');
});

const media = { fetchInputs: true, fetch: options(), fetchTimeoutMs: 5000, fetchTotalBytes: 1_000_000, maxImagePixels: 1_000_000 };

void test('the URLs of one request bring no more bytes together than a request body may carry', async () => {
  const urls = [`http://127.0.0.1:${port}/ok`, `http://127.0.0.1:${port}/ok`, `http://127.0.0.1:${port}/ok`];
  const prepared = await prepareMediaInputs(getTask('image-classification'), urls, { ...media, fetchTotalBytes: 15 });
  assert.deepEqual(prepared.inputs.map((input) => Buffer.from(input as Uint8Array).toString()), ['hello', 'hello', 'hello']);
  assert.equal((await failure(prepareMediaInputs(getTask('image-classification'), urls, { ...media, fetchTotalBytes: 14 }))).code, 'INPUT_FETCH_FAILED');
});

void test('MODA_FETCH_INPUTS=0 refuses URL inputs without fetching', async () => {
  connections.length = 0;
  const result = await failure(prepareMediaInputs(getTask('image-classification'), [`http://127.0.0.1:${port}/ok`], { ...media, fetchInputs: false }));
  assert.equal(result.code, 'INPUT_FETCH_DISABLED');
  assert.deepEqual(connections, []);
});

void test('media inside object inputs are found; text fields are left alone', async () => {
  const result = await failure(prepareMediaInputs(getTask('visual-question-answering'), [{ image: `http://127.0.0.1:${port}/missing`, question: 'http://127.0.0.1:1/not-fetched' }], media));
  assert.equal(result.code, 'INPUT_FETCH_FAILED');
  const prepared = await prepareMediaInputs(getTask('visual-question-answering'), [{ image: Buffer.from('hello').toString('base64'), question: 'what?' }], media);
  const input = prepared.inputs[0] as { image: Uint8Array; question: string };
  assert.equal(Buffer.from(input.image).toString(), 'hello');
  assert.equal(input.question, 'what?');
});

void test('audio is measured from its WAV header: samples at its rate, then at 16 kHz, as floats', async () => {
  const wav = encodeWav(new Float32Array(48_000), 48_000);
  const prepared = await prepareMediaInputs(getTask('automatic-speech-recognition'), [wav.toString('base64')], media);
  assert.equal(prepared.decodeBytes, 48_000 * 4 + 16_000 * 4);
  assert.ok(prepared.inputs[0] instanceof Uint8Array);
});
