// The modelscope Python SDK, released sources unmodified, against a real Moda server: 1.37.1 (its
// own hub code, endpoint passed everywhere) and 1.38.1 over modelscope_hub 0.1.8 (the /openapi/v1
// surface first). The flows are modelscope_flows.py.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createUserWithToken, startTestServer, type TestServer } from '../helpers/moda-server.js';
import { runPythonClient } from './run-python-client.js';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => server.stop());

const VERSIONS = [
  { version: '1.37.1', folders: ['modelscope-1.37.1'], user: 'alice' },
  { version: '1.38.1', folders: ['modelscope-1.38.1', 'modelscope_hub-0.1.8'], user: 'bob' },
];

for (const { version, folders, user } of VERSIONS) {
  void test(`modelscope ${version}: every user flow of modelscope_flows.py passes`, async (t) => {
    const host = new URL(server.url).host;
    const token = await createUserWithToken(server, user);
    const run = await runPythonClient(`modelscope_flows.py`, folders, {
      MS_ENDPOINT: server.url,
      MS_TOKEN: token,
      MS_VERSION: version,
      MODA_USER: user,
      // 1.37.1 builds its default endpoint as https://$MODELSCOPE_DOMAIN; 1.38.1 reads MODELSCOPE_ENDPOINT.
      MODELSCOPE_DOMAIN: host,
      MODELSCOPE_ENDPOINT: server.url,
      MODELSCOPE_CACHE: 'ms-cache',
      // push_model commits with git, as a user with a configured git identity would.
      GIT_AUTHOR_NAME: user,
      GIT_AUTHOR_EMAIL: `${user}@localhost`,
      GIT_COMMITTER_NAME: user,
      GIT_COMMITTER_EMAIL: `${user}@localhost`,
    });
    assert.deepEqual(run.refused, [], 'the client tried to reach a host other than 127.0.0.1');
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr.slice(-2500)}`);
    assert.match(run.stdout, /ok deletes/);
    t.diagnostic(run.stdout.trim());
  });
}
