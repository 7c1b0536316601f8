// The few Hub API calls the benchmarks need to set up data: create a repo, ask the LFS batch
// endpoint where to upload, and commit. Control-plane calls use fetch; bulk bytes go through curl.
import type { ModaServer } from './moda-server.js';

type Server = Pick<ModaServer, 'url' | 'token'>;

async function call(server: Server, path: string, init: { method: string; contentType?: string; body?: string | Uint8Array }): Promise<unknown> {
  const response = await fetch(`${server.url}${path}`, {
    method: init.method,
    headers: { authorization: `Bearer ${server.token}`, ...(init.contentType && { 'content-type': init.contentType }) },
    body: init.body,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method} ${path}: ${response.status} ${text.slice(0, 500)}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

export async function createRepo(server: Server, name: string, options: { private?: boolean } = {}): Promise<string> {
  await call(server, '/api/repos/create', {
    method: 'POST',
    contentType: 'application/json',
    body: JSON.stringify({ name, organization: 'admin', type: 'model', private: options.private ?? false }),
  });
  return `admin/${name}`;
}

interface BatchAnswer {
  objects: { actions?: { upload?: { href: string } }; error?: { message: string } }[];
}

/** Asks where to PUT an object; undefined when the server already has it. */
export async function lfsUploadHref(server: Server, repo: string, object: { oid: string; size: number }): Promise<string | undefined> {
  const answer = (await call(server, `/${repo}.git/info/lfs/objects/batch`, {
    method: 'POST',
    contentType: 'application/vnd.git-lfs+json',
    body: JSON.stringify({ operation: 'upload', transfers: ['basic'], objects: [object], hash_algo: 'sha256' }),
  })) as BatchAnswer;
  const first = answer.objects[0];
  if (first?.error) throw new Error(`LFS batch refused ${object.oid}: ${first.error.message}`);
  return first?.actions?.upload?.href;
}

/** PUTs a small object held in memory to a signed href (no credentials needed). */
export async function putBytes(href: string, bytes: Uint8Array): Promise<void> {
  const response = await fetch(href, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' }, signal: AbortSignal.timeout(60_000) });
  if (!response.ok) throw new Error(`PUT ${href}: ${response.status} ${await response.text()}`);
}

export type CommitLine =
  | { key: 'header'; value: { summary: string } }
  | { key: 'file'; value: { path: string; content: string; encoding: 'utf-8' | 'base64' } }
  | { key: 'lfsFile'; value: { path: string; algo: 'sha256'; oid: string; size: number } };

export async function commit(server: Server, repo: string, lines: CommitLine[]): Promise<void> {
  await call(server, `/api/models/${repo}/commit/main`, {
    method: 'POST',
    contentType: 'application/x-ndjson',
    body: lines.map((line) => JSON.stringify(line)).join('\n'),
  });
}

export async function getBytes(server: Server, path: string, options: { token?: boolean } = {}): Promise<Buffer> {
  const response = await fetch(`${server.url}${path}`, {
    headers: options.token ? { authorization: `Bearer ${server.token}` } : {},
    signal: AbortSignal.timeout(60_000),
  });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return Buffer.from(await response.arrayBuffer());
}
