// The sample loop's read-ahead, with a reader and a server the test releases step by step: when a
// batch's answers arrive together, as many new requests go out at once from samples already read
// (no request waits on the dataset), the outcomes come back in row order, and a read that fails
// while buffered fails the run instead of surfacing as an unhandled rejection.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModaClient } from '../client/moda-client.js';
import type { EvalSample } from './read-eval-samples.js';
import { runEvalSamples } from './run-eval-samples.js';
import { clientSampleSender } from './sample-sender.js';

const CONCURRENCY = 4;
const SAMPLES = 12;

/** Lets every pending promise callback and I/O callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Samples whose reads finish only when `release()` says so; `failAt` makes that read throw. */
function gatedReader(failAt?: number) {
  const waiting: (() => void)[] = [];
  let started = 0;
  async function* samples(): AsyncGenerator<EvalSample> {
    for (let rowIdx = 0; rowIdx < SAMPLES; rowIdx++) {
      started++;
      await new Promise<void>((resolve) => waiting.push(resolve));
      if (rowIdx === failAt) throw new Error(`reading row ${rowIdx} failed`);
      yield { rowIdx, input: `sample ${rowIdx}`, reference: `reference ${rowIdx}` };
    }
  }
  return {
    samples: samples(),
    get started() {
      return started;
    },
    /** Finishes `count` reads, one after another, as the loop asks for them. */
    async release(count: number) {
      for (let index = 0; index < count; index++) {
        await settle();
        const next = waiting.shift();
        assert.ok(next, `read ${index + 1} of ${count} was not asked for`);
        next();
      }
      await settle();
    },
  };
}

/** A server whose answers go out only when `answer()` says so; it echoes the input as the output. */
function gatedServer() {
  const pending: { input: string; respond(): void }[] = [];
  const fetch = async (_url: string, init?: RequestInit): Promise<Response> => {
    const { input } = JSON.parse(String(init?.body)) as { input: string };
    await new Promise<void>((resolve) => pending.push({ input, respond: resolve }));
    return new Response(JSON.stringify({ output: { text: input.toUpperCase() } }), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  return {
    client: new ModaClient({ endpoint: 'http://127.0.0.1:9', fetch }),
    inFlight: () => pending.map((request) => request.input),
    async answerAll() {
      for (const request of pending.splice(0)) request.respond();
      await settle();
      await settle();
    },
  };
}

const options = { model: 'test/model', commit: '0'.repeat(40), task: 'ocr', concurrency: CONCURRENCY, signal: new AbortController().signal };

void test("a batch's answers are followed at once by as many new requests, from samples read ahead", async () => {
  const reader = gatedReader();
  const server = gatedServer();
  const run = runEvalSamples(clientSampleSender(server.client), reader.samples, options);
  // The first CONCURRENCY reads go out as requests; CONCURRENCY more are read ahead and held.
  await reader.release(2 * CONCURRENCY);
  assert.deepEqual(server.inFlight(), ['sample 0', 'sample 1', 'sample 2', 'sample 3']);
  // No read is released now: the next requests come from the samples already read.
  await server.answerAll();
  assert.deepEqual(server.inFlight(), ['sample 4', 'sample 5', 'sample 6', 'sample 7']);
  // The loop has asked for the reads that refill its buffer meanwhile.
  assert.ok(reader.started > 2 * CONCURRENCY);
  await reader.release(SAMPLES - 2 * CONCURRENCY);
  await server.answerAll();
  await server.answerAll();
  const outcomes = await run;
  assert.deepEqual(
    outcomes.map((outcome) => [outcome.rowIdx, outcome.output]),
    Array.from({ length: SAMPLES }, (_, rowIdx) => [rowIdx, { text: `SAMPLE ${rowIdx}` }]),
  );
  assert.ok(outcomes.every((outcome) => outcome.error === undefined && outcome.reference === `reference ${outcome.rowIdx}`));
});

void test('a read that fails while read ahead fails the run with its error', async () => {
  const reader = gatedReader(6);
  const server = gatedServer();
  const run = runEvalSamples(clientSampleSender(server.client), reader.samples, options);
  const failure = assert.rejects(run, /reading row 6 failed/);
  // Rows 0–3 in flight, 4 and 5 read ahead, the read of row 6 fails in the buffer.
  await reader.release(7);
  await server.answerAll();
  await server.answerAll();
  await failure;
});
