// SIGTERM on a real `moda serve` process: /readyz turns 503 `draining` at once while /livez stays
// 200, a keep-alive connection gets `Connection: close` on its next answer, a commit whose body is
// still arriving finishes and is kept, new connections are refused once the drain delay is over,
// and the process exits 0.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { freePort } from './helpers/free-port.js';
import { ADMIN_TOKEN } from './helpers/moda-server.js';

const run = promisify(execFile);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(port: number, method: string, path: string, options: { agent?: Agent; contentType?: string; body?: (write: (chunk: string) => void) => Promise<void> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, method, path, agent: options.agent ?? false, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': options.contentType ?? 'application/json' } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    outgoing.on('error', reject);
    if (!options.body) outgoing.end();
    else
      options
        .body((chunk) => outgoing.write(chunk))
        .then(() => outgoing.end())
        .catch(reject);
  });
}

void test('SIGTERM drains: readiness 503, keep-alive closed, the request in flight finishes, exit 0', async () => {
  const home = await mkdtemp(join(tmpdir(), 'moda-drain-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('MODA_')) env[key] = value;
  Object.assign(env, { MODA_HOME: home, MODA_ADMIN_TOKEN: ADMIN_TOKEN, MODA_CATALOG: '0', MODA_SHUTDOWN_DELAY: '1500ms', MODA_SHUTDOWN_TIMEOUT: '20s' });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--host', '127.0.0.1', '--port', String(port)], { cwd: fileURLToPath(new URL('../', import.meta.url)), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let waited = 0; !output.includes('Moda listening'); waited += 100) {
      assert.ok(waited < 60_000 && child.exitCode === null, `server did not start: ${output.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal((await call(port, 'POST', '/api/repos/create', { body: async (write) => write(JSON.stringify({ name: 'drain', organization: 'admin' })) })).status, 200);
    const first = await call(port, 'GET', '/livez', { agent });
    assert.equal(first.status, 200);
    assert.notEqual(first.headers.connection, 'close', 'a keep-alive connection before the drain');

    // A commit whose body is still arriving when SIGTERM comes.
    let sendRest!: () => void;
    const rest = new Promise<void>((resolve) => (sendRest = resolve));
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    const slowCommit = call(port, 'POST', '/api/models/admin/drain/commit/main', {
      contentType: 'application/x-ndjson',
      body: async (write) => {
        write(`${JSON.stringify({ key: 'header', value: { summary: 'in flight at SIGTERM' } })}\n`);
        await rest;
        write(JSON.stringify({ key: 'file', value: { path: 'late.txt', content: Buffer.from('kept').toString('base64'), encoding: 'base64' } }));
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));

    const readiness = await call(port, 'GET', '/readyz');
    assert.deepEqual({ status: readiness.status, body: JSON.parse(readiness.body) as unknown }, { status: 503, body: { status: 'waiting', waiting: ['draining'] } });
    assert.equal((await call(port, 'GET', '/livez')).status, 200, 'alive while draining');
    const onKeptConnection = await call(port, 'GET', '/livez', { agent });
    assert.equal(onKeptConnection.headers.connection, 'close', 'the keep-alive connection is closed after its answer');

    await new Promise((resolve) => setTimeout(resolve, 1500));
    await assert.rejects(call(port, 'GET', '/livez'), /ECONNREFUSED/, 'no new connections after the drain delay');
    assert.equal(child.exitCode, null, 'still running: a request is in flight');
    sendRest();
    const committed = await slowCommit;
    assert.equal(committed.status, 200, committed.body);
    const [code] = await exited;
    assert.equal(code, 0, output.slice(-2000));
    const { stdout } = await run('git', ['-C', join(home, 'repos/models/admin/drain.git'), 'show', 'refs/heads/main:late.txt']);
    assert.equal(stdout, 'kept');
  } finally {
    agent.destroy();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(home, { recursive: true, force: true });
  }
});
