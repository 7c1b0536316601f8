// The harness of the Python client tests refuses every host but 127.0.0.1 and records each refusal,
// so a client default that points at a public hub fails its test even when the client hides the error.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/moda-server.js';
import { runPythonClient } from './run-python-client.js';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => server.stop());

void test('requests, httpx and sockets to other hosts are refused and logged; 127.0.0.1 works', async () => {
  const run = await runPythonClient('guard_probe.py', [], { LOCAL_URL: server.url });
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /ok guard/);
  assert.equal(run.refused.length, 3, run.refused.join('\n'));
  assert.ok(run.refused.every((line) => line.includes('localhost')), run.refused.join('\n'));
});
