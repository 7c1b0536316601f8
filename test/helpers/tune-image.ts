// Shared by the image tuning tests: a server with the starter backbone imported, a dozen generated
// colour images as an imagefolder dataset, and calls for a tune job and the tuned model's route.
import assert from 'node:assert/strict';
import { noisyImage } from '../fixtures/colour-images.js';
import { commitFiles, createDataset } from './dataset-repo.js';
import { createJob, finished, waitForJob, type JobJson } from './jobs.js';
import { startTestServer, type TestServer } from './moda-server.js';

export const BACKBONE = 'moda/image-features-mobilenetv2';
export const COLOURS: Record<'red' | 'green' | 'blue', [number, number, number]> = { red: [220, 30, 30], green: [30, 200, 40], blue: [30, 40, 220] };

/** A server with the backbone imported through a catalog-import job and the `admin/colours` dataset (4 images per colour). */
export async function startImageTuningServer(): Promise<TestServer> {
  const server = await startTestServer();
  const job = await createJob(server.request, 'catalog-import', { only: ['image-features-mobilenetv2'] });
  assert.equal((await waitForJob(server.request, job.id, finished)).state, 'succeeded');
  await colourDataset(server, 'colours');
  return server;
}

export async function colourDataset(server: TestServer, name: string, extra: Record<string, Uint8Array> = {}): Promise<string> {
  await createDataset(server, name);
  const files: Record<string, Uint8Array> = { ...extra };
  let seed = 1;
  for (const [label, rgb] of Object.entries(COLOURS)) {
    for (let index = 0; index < 4; index++) files[`train/${label}/${index}.png`] = await noisyImage(rgb, seed++);
  }
  return commitFiles(server, `admin/${name}`, files);
}

export async function tune(server: TestServer, params: Record<string, unknown>): Promise<JobJson> {
  const job = await createJob(server.request, 'tune', params);
  return waitForJob(server.request, job.id, finished, 280_000);
}

export async function classify(server: TestServer, repo: string, inputs: Buffer[]): Promise<{ label: string; score: number }[][]> {
  const response = await server.request(`/api/v1/models/${repo}/pipeline`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: inputs.map((input) => input.toString('base64')) }) });
  const body = (await response.json()) as { outputs: { label: string; score: number }[][]; task: string };
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.equal(body.task, 'image-classification');
  return body.outputs;
}

export async function fileText(server: TestServer, repo: string, path: string, revision = 'main'): Promise<string> {
  const response = await server.request(`/${repo}/resolve/${revision}/${path}`);
  assert.equal(response.status, 200, `${repo}/${path}`);
  return response.text();
}

/** One new image of each colour, in the order red, green, blue. */
export const probes = (): Promise<Buffer[]> => Promise.all([noisyImage(COLOURS.red, 101), noisyImage(COLOURS.green, 102), noisyImage(COLOURS.blue, 103)]);
