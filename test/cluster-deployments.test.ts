// Deployments shared live between replicas (issue 16): two `moda serve` processes on one PostgreSQL
// and one Redis. A deployment created on replica A is listed by B at once and loaded and served by
// B without a restart; a change of its settings on A rescales B's copy; a redeploy on A moves B to
// the new commit; a delete on A stops B serving it on the very next request. The database is the
// truth, Redis only says "look again".
import assert from 'node:assert/strict';
import { uploadFiles } from '@huggingface/hub';
import { after, before, test } from 'node:test';
import { tinyTextClassifier } from './fixtures/tiny-models.js';
import { startCluster, type ModaCluster } from './helpers/cluster.js';
import { ADMIN_TOKEN } from './helpers/moda-server.js';

let cluster: ModaCluster;
let a: string;
let b: string;

interface DeploymentJson {
  name: string;
  commit: string;
  state: string;
  max_concurrency: number | 'auto';
  instances?: number;
  batching: { max_queue: number };
}

before(async () => {
  cluster = await startCluster({ nginx: false });
  [a, b] = cluster.replicas.map((replica) => replica.url) as [string, string];
  const created = await cluster.request('/api/repos/create', { base: a, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'sentiment', organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: 'admin/sentiment', accessToken: ADMIN_TOKEN, hubUrl: a, files: tinyTextClassifier().files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
});

after(async () => {
  await cluster?.stop();
});

const send = (base: string, method: string, path: string, body?: unknown) => cluster.request(path, { base, method, ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
const head = async () => ((await (await send(a, 'GET', '/api/models/admin/sentiment/revision/main')).json()) as { sha: string }).sha;
const servedCommit = async (base: string) => {
  const answer = await send(base, 'POST', '/api/v1/models/admin/sentiment/pipeline', { input: 'good' });
  assert.equal(answer.status, 200, await answer.clone().text());
  return answer.headers.get('x-model-commit');
};

async function deploymentOn(base: string, until: (deployment: DeploymentJson) => boolean): Promise<DeploymentJson> {
  let last: unknown;
  for (let waited = 0; waited < 60_000; waited += 100) {
    const answer = await send(base, 'GET', '/api/v1/deployments/sentiment');
    last = answer.status === 200 ? await answer.json() : answer.status;
    if (answer.status === 200 && until(last as DeploymentJson)) return last as DeploymentJson;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`deployment on ${base} never matched: ${JSON.stringify(last)}`);
}

void test('created on A: listed by B at once, then loaded and served by B at its pinned commit', async () => {
  const pinned = await head();
  const created = await send(a, 'POST', '/api/v1/deployments', { model: 'admin/sentiment', name: 'sentiment', max_concurrency: 1 });
  assert.equal(created.status, 201, await created.clone().text());
  const listed = ((await (await send(b, 'GET', '/api/v1/deployments')).json()) as { deployments: DeploymentJson[] }).deployments;
  assert.deepEqual(listed.map((deployment) => deployment.name), ['sentiment'], 'B lists it on the next request');
  const onB = await deploymentOn(b, (deployment) => deployment.state === 'ready');
  assert.equal(onB.commit, pinned);
  assert.equal(onB.instances, 1);
  // A later push does not move the deployment, on either replica.
  await uploadFiles({ repo: 'admin/sentiment', accessToken: ADMIN_TOKEN, hubUrl: a, files: [{ path: 'NOTES.md', content: new Blob(['newer']) }] });
  assert.notEqual(await head(), pinned);
  assert.equal(await servedCommit(b), pinned, 'B serves the deployment, not main');
  assert.equal(await servedCommit(a), pinned);
});

void test('settings changed on A apply on B: instances scaled, queue resized', async () => {
  const patched = await send(a, 'PATCH', '/api/v1/deployments/sentiment', { max_concurrency: 2, batching: { max_queue: 77 } });
  assert.equal(patched.status, 200, await patched.clone().text());
  const onB = await deploymentOn(b, (deployment) => deployment.state === 'ready' && deployment.instances === 2);
  assert.equal(onB.max_concurrency, 2);
  assert.equal(onB.batching.max_queue, 77);
});

void test('a redeploy on A moves B to the new commit', async () => {
  const newer = await head();
  const redeployed = await send(a, 'PATCH', '/api/v1/deployments/sentiment', { redeploy: true });
  assert.equal(redeployed.status, 200, await redeployed.clone().text());
  assert.equal(((await redeployed.json()) as DeploymentJson).commit, newer);
  // The announce reached B before A answered, and B's requests wait for it to be followed.
  assert.equal(await servedCommit(b), newer, 'B serves the new commit on the next request');
  await deploymentOn(b, (deployment) => deployment.state === 'ready' && deployment.commit === newer);
});

void test('deleted on A: B stops serving it on the very next request', async () => {
  // Pin an older commit again, so that "not deployed" (main) can be told from "deployed".
  await uploadFiles({ repo: 'admin/sentiment', accessToken: ADMIN_TOKEN, hubUrl: a, files: [{ path: 'NOTES.md', content: new Blob(['newest']) }] });
  const newest = await head();
  const deployed = ((await (await send(a, 'GET', '/api/v1/deployments/sentiment')).json()) as DeploymentJson).commit;
  assert.notEqual(deployed, newest);
  assert.equal(await servedCommit(b), deployed);
  assert.equal((await send(a, 'DELETE', '/api/v1/deployments/sentiment')).status, 204);
  assert.equal((await send(b, 'GET', '/api/v1/deployments/sentiment')).status, 404);
  assert.equal(await servedCommit(b), newest, 'B serves main once the deployment is gone');
});
