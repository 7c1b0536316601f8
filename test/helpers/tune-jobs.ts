// What the tune job tests share: a server with two users, alice and bob, each with a write token;
// a tune job waited for and expected to fail; whether a model repo exists for a user.
import assert from 'node:assert/strict';
import { createJob, finished, waitForJob, type JobJson } from './jobs.js';
import { createUserWithToken, startTestServer, type TestServer } from './moda-server.js';

export interface TwoUserServer {
  server: TestServer;
  alice: string;
  bob: string;
}

export async function startTwoUserServer(jobConcurrency: number): Promise<TwoUserServer> {
  const server = await startTestServer({ jobConcurrency });
  return { server, alice: await createUserWithToken(server, 'alice'), bob: await createUserWithToken(server, 'bob') };
}

/** Runs a tune job as `token`'s user to its end and asserts that it failed. */
export async function tuneFails(server: TestServer, params: Record<string, unknown>, token: string): Promise<JobJson> {
  const created = await createJob(server.request, 'tune', params, token);
  const job = await waitForJob(server.request, created.id, finished, 180_000, token);
  assert.equal(job.state, 'failed', JSON.stringify(job));
  return job;
}

export async function modelExists(server: TestServer, repo: string, token: string): Promise<boolean> {
  return (await server.request(`/api/models/${repo}`, { token })).status === 200;
}
