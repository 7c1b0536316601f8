// Repos and commits made the way a Hub client makes them (the create route, @huggingface/hub's
// commit), as the admin, for tests that need models and datasets with given files.
import assert from 'node:assert/strict';
import { commit } from '@huggingface/hub';
import { ADMIN_TOKEN, type TestServer } from './moda-server.js';

export async function createHubRepo(server: TestServer, type: 'model' | 'dataset', name: string): Promise<void> {
  const response = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, type }) });
  assert.equal(response.status, 200, await response.text());
}

/** One commit adding or replacing `files` (path → text). */
export async function commitHubFiles(server: TestServer, type: 'model' | 'dataset', repo: string, files: Record<string, string>): Promise<void> {
  const result = await commit({ repo: { type, name: repo }, accessToken: ADMIN_TOKEN, hubUrl: server.url, title: 'update', operations: Object.entries(files).map(([path, content]) => ({ operation: 'addOrUpdate' as const, path, content: new Blob([content]) })) });
  assert.ok(result?.commit.oid);
}
