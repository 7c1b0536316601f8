// Shared by the evaluation tests: a tiny ONNX sentiment classifier published as a model repo, CSV
// datasets, and running an `eval` job to its end through the HTTP API.
import assert from 'node:assert/strict';
import { uploadFiles } from '@huggingface/hub';
import { tinyTextClassifier } from '../fixtures/tiny-models.js';
import { createJob, finished, waitForJob, type JobJson } from './jobs.js';
import type { TestServer } from './moda-server.js';

export const sentiment = tinyTextClassifier();

export interface EvalResult {
  model_commit: string;
  dataset_commit: string;
  samples: number;
  failed: number;
  failures: Record<string, number>;
  metrics: { type: string; value: number }[];
  label_mapping: { mapped: Record<string, string>; unmapped: string[]; unmappedSamples: number } | null;
  artifacts: { name: string; rows: number }[];
  commit: { oid: string } | null;
  commit_skipped: string | null;
  columns: { input: string[]; reference: string };
}

export const metric = (result: EvalResult, type: string): number | undefined => result.metrics.find((entry) => entry.type === type)?.value;

/** Creates `owner/name` (the token's user) and uploads the tiny classifier into it. */
export async function publishSentiment(server: TestServer, owner: string, name: string, token: string, isPrivate = false): Promise<void> {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, private: isPrivate }), token });
  assert.equal(created.status, 200, await created.text());
  await uploadFiles({ repo: `${owner}/${name}`, accessToken: token, hubUrl: server.url, files: sentiment.files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
}

export const csv = (rows: [string, string | number][]): string => `text,label\n${rows.map(([text, label]) => `${JSON.stringify(text)},${typeof label === 'number' ? label : JSON.stringify(label)}`).join('\n')}\n`;

export async function modelHead(server: TestServer, repo: string, token: string): Promise<string> {
  return ((await (await server.request(`/api/models/${repo}/revision/main`, { token })).json()) as { sha: string }).sha;
}

export async function modelFile(server: TestServer, repo: string, path: string, token: string): Promise<string> {
  const response = await server.request(`/${repo}/resolve/main/${path}`, { token });
  assert.equal(response.status, 200, `${path}: ${response.status}`);
  return response.text();
}

export async function evaluate(server: TestServer, params: Record<string, unknown>, token: string): Promise<JobJson> {
  const job = await createJob(server.request, 'eval', params, token);
  return waitForJob(server.request, job.id, finished, 600_000, token);
}
