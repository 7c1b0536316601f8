// Dataset repos for the viewer tests: created through the API and filled with one commit of the
// official @huggingface/hub client (binary and large files go to LFS as the server's preupload says).
import assert from 'node:assert/strict';
import { commit as hubCommit } from '@huggingface/hub';
import { DuckDBInstance } from '@duckdb/node-api';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ADMIN_TOKEN, type TestServer } from './moda-server.js';

export async function createDataset(server: TestServer, name: string, options: { private?: boolean; token?: string } = {}): Promise<void> {
  const response = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, type: 'dataset', private: options.private ?? false }), token: options.token ?? ADMIN_TOKEN });
  assert.equal(response.status, 200, await response.text());
}

export async function commitFiles(server: TestServer, repo: string, files: Record<string, string | Uint8Array>, token = ADMIN_TOKEN): Promise<string> {
  const result = await hubCommit({
    repo: { type: 'dataset', name: repo },
    accessToken: token,
    hubUrl: server.url,
    title: 'data',
    operations: Object.entries(files).map(([path, content]) => ({ operation: 'addOrUpdate' as const, path, content: new Blob([content]) })),
  });
  assert.ok(result?.commit.oid);
  return result.commit.oid;
}

/** A Parquet (or other `format`) file written by DuckDB from a SELECT: the test's own, trusted SQL. */
export async function parquetOf(dir: string, name: string, select: string, format = 'parquet, ROW_GROUP_SIZE 1000'): Promise<Uint8Array> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const path = join(dir, name);
  await connection.run(`COPY (${select}) TO '${path.replace(/'/g, "''")}' (FORMAT ${format})`);
  connection.closeSync();
  instance.closeSync();
  return new Uint8Array(await readFile(path));
}

export interface ViewerAnswer<T = Record<string, unknown>> {
  status: number;
  code: string | null;
  body: T;
}

export async function viewer<T = Record<string, unknown>>(server: TestServer, path: string, token: string | null = ADMIN_TOKEN): Promise<ViewerAnswer<T>> {
  const response = await server.request(`/datasets-server/${path}`, { token });
  return { status: response.status, code: response.headers.get('x-error-code'), body: (await response.json()) as T };
}

export async function sql<T = Record<string, unknown>>(server: TestServer, body: Record<string, unknown>, token: string | null = ADMIN_TOKEN): Promise<ViewerAnswer<T>> {
  const response = await server.request('/datasets-server/sql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), token });
  return { status: response.status, code: response.headers.get('x-error-code'), body: (await response.json()) as T };
}

/** Rows of each row group of a Parquet file, in order. */
export async function rowGroupsOf(path: string): Promise<number[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll(`SELECT row_group_id, any_value(row_group_num_rows) FROM parquet_metadata('${path.replace(/'/g, "''")}') GROUP BY row_group_id ORDER BY row_group_id`);
  connection.closeSync();
  instance.closeSync();
  return reader.getRowsJS().map((row) => Number(row[1]));
}
