// LFS uploads through the public batch API (batch → PUT → verify) and a commit that points at them,
// as git-lfs and @huggingface/hub do it; shared by the blob store tests.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { TestServer } from './moda-server.js';

const LFS_JSON = 'application/vnd.git-lfs+json';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export interface BatchAnswer {
  oid: string;
  size: number;
  actions?: { upload?: { href: string }; download?: { href: string }; verify?: { href: string } };
  error?: { code: number };
}

export async function createModel(server: TestServer, name: string): Promise<void> {
  const response = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'model', name }) });
  assert.equal(response.status, 200, await response.text());
}

export async function batch(server: TestServer, repo: string, operation: 'upload' | 'download', objects: { oid: string; size: number }[]): Promise<BatchAnswer[]> {
  const response = await server.request(`/${repo}.git/info/lfs/objects/batch`, {
    method: 'POST',
    headers: { 'content-type': LFS_JSON, accept: LFS_JSON },
    body: JSON.stringify({ operation, transfers: ['basic'], objects, hash_algo: 'sha256' }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { objects: BatchAnswer[] }).objects;
}

/** Uploads `content` with the LFS batch API (batch, PUT, verify) and commits it as `path`. */
export async function lfsUploadAndCommit(server: TestServer, repo: string, path: string, content: Buffer): Promise<string> {
  const oid = sha256(content);
  const [answer] = await batch(server, repo, 'upload', [{ oid, size: content.length }]);
  const upload = answer?.actions?.upload?.href;
  assert.ok(upload, 'the batch asks for an upload');
  const put = await fetch(upload, { method: 'PUT', body: content, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(put.status, 200, await put.text());
  const verify = await server.request(`/${repo}.git/info/lfs/verify`, { method: 'POST', headers: { 'content-type': LFS_JSON }, body: JSON.stringify({ oid, size: content.length }) });
  assert.equal(verify.status, 200);
  const lines = [
    { key: 'header', value: { summary: `add ${path}` } },
    { key: 'lfsFile', value: { path, algo: 'sha256', oid, size: content.length } },
  ];
  const commit = await server.request(`/api/models/${repo}/commit/main`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines.map((line) => JSON.stringify(line)).join('\n') });
  assert.equal(commit.status, 200, await commit.clone().text());
  return ((await commit.json()) as { commitOid: string }).commitOid;
}

