// huggingface_hub 0.36.2, the released Python client, unmodified, against a real Moda server: the
// user flows of huggingface_hub_flows.py (push_to_hub-style create + upload with a card and an LFS
// binary, commits, refs, downloads, listings, HfFileSystem, InferenceClient, move, squash, likes).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { tinyTextClassifier } from '../fixtures/tiny-models.js';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from '../helpers/moda-server.js';
import { runPythonClient } from './run-python-client.js';

let server: TestServer;
let token: string;

before(async () => {
  server = await startTestServer();
  token = await createUserWithToken(server, 'alice');
  const org = await server.request('/api/organizations', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'acme' }) });
  assert.equal(org.status, 201, await org.text());
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'tiny-sentiment', organization: 'admin' }) });
  assert.equal(created.status, 200);
  const files = tinyTextClassifier().files.map((file) => ({ path: file.path, content: new Blob([file.content]) }));
  await uploadFiles({ repo: 'admin/tiny-sentiment', accessToken: ADMIN_TOKEN, hubUrl: server.url, files });
});
after(async () => server.stop());

void test('huggingface_hub 0.36.2: every user flow of huggingface_hub_flows.py passes', async (t) => {
  const run = await runPythonClient('huggingface_hub_flows.py', ['huggingface_hub-0.36.2'], {
    HF_ENDPOINT: server.url,
    HF_TOKEN: token,
    HF_HUB_DISABLE_TELEMETRY: '1',
    HF_HUB_DISABLE_PROGRESS_BARS: '1',
    MODA_USER: 'alice',
    MODA_ORG: 'acme',
    MODA_CLASSIFIER: 'admin/tiny-sentiment',
  });
  assert.deepEqual(run.refused, [], 'the client tried to reach a host other than 127.0.0.1');
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /ok delete_repo/);
  t.diagnostic(run.stdout.trim());
});
