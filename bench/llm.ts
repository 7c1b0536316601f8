// Benchmark: LLM serving. A synthetic llama GGUF large enough that compute dominates (1024 wide, 8
// layers, written by the test writer in Q8_0 and F16) served by Moda (llama.cpp in the model's
// child process, continuous batching over MODA_LLM_PARALLEL sequences, answers streamed over SSE
// from the OpenAI chat route) against node-llama-cpp in this process with the same context,
// sequences and threads; against naive serving (one sequence, requests one after another); time
// to first token at one client; and the model process's RSS growth per added sequence against
// the KV cache formula. Part of `npm run bench` (`npm run bench -- llm`); uses the built dist/.
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { kvBytesPerSequence, tinyLlamaGguf, type GgufTensorType } from '../test/fixtures/tiny-gguf.js';
import type { BenchContext, BenchResult, Benchmark, ResultRow } from './lib/bench-types.js';
import { streamAnswer } from './lib/llm-clients.js';
import { generate, loadInProcess, type Generation, type InProcessModel } from './lib/llm-in-process.js';
import { commit, createRepo, lfsUploadHref, putBytes } from './lib/moda-api.js';
import { startModa, type ModaServer } from './lib/moda-server.js';
import { median } from './lib/stats.js';
import { createHash } from 'node:crypto';

const SHAPE = { layers: 8, width: 1024, heads: 16, kvHeads: 16, feedForward: 2048 } as const;
/** Tokens of context per sequence, both sides (MODA_LLM_CONTEXT). */
const CONTEXT = 512;
const SEQUENCES = 8;
const CLIENTS = [1, 4, 8] as const;
const MAX_TOKENS = 32;
/** Rounds of each client count on each side, in turns (Moda, in-process, Moda, …). */
const RATE_ROUNDS = 3;
const TTFT_ROUNDS = 9;
/** Tokens each time-to-first-token request asks for: enough that one of them shows text. */
const TTFT_TOKENS = 8;
/** Quiet time before each time-to-first-token request. */
const TTFT_PAUSE_MS = 200;
const PROMPT = 'Write a short story about the sea, the wind and a small boat.';
const TYPES: GgufTensorType[] = ['Q8_0', 'F16'];

interface QuantResult {
  type: GgufTensorType;
  fileBytes: number;
  moda: Record<number, number>;
  inProcess: Record<number, number>;
  naive: number;
  ttftModa: number;
  ttftInProcess: number;
  rssPerSequence: number;
  rss: { one: number; eight: number };
}

interface Run {
  tokens: number;
  seconds: number;
}

/** `clients` answers generated at once: their tokens and the wall time of all of them. */
async function timed(clients: number, answer: (client: number) => Promise<{ tokens: number }>): Promise<Run> {
  const started = performance.now();
  const answers = await Promise.all(Array.from({ length: clients }, (_, client) => answer(client)));
  return { tokens: answers.reduce((sum, item) => sum + item.tokens, 0), seconds: (performance.now() - started) / 1000 };
}

/** Tokens per second over several runs: all their tokens over all their wall time. */
function rateOf(runs: readonly Run[]): number {
  return runs.reduce((sum, run) => sum + run.tokens, 0) / runs.reduce((sum, run) => sum + run.seconds, 0);
}

async function upload(server: ModaServer, name: string, file: string, bytes: Uint8Array): Promise<string> {
  const repo = await createRepo(server, name);
  const oid = createHash('sha256').update(bytes).digest('hex');
  const href = await lfsUploadHref(server, repo, { oid, size: bytes.length });
  if (href) await putBytes(href, bytes);
  await commit(server, repo, [{ key: 'header', value: { summary: `Add ${file}` } }, { key: 'lfsFile', value: { path: file, algo: 'sha256', oid, size: bytes.length } }]);
  return repo;
}

async function modelRss(server: ModaServer, repo: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token}` } })).text();
  const line = text.split('\n').find((entry) => entry.startsWith('moda_model_rss_bytes{') && entry.includes(`model="${repo}"`));
  if (!line) throw new Error(`no moda_model_rss_bytes for ${repo} in /metrics`);
  return Number(line.split(' ').at(-1));
}

function modaEnv(threads: number, parallel: number): Record<string, string> {
  return { MODA_THREADS: String(threads), MODA_LLM_PARALLEL: String(parallel), MODA_LLM_CONTEXT: String(CONTEXT), MODA_LLM_QUEUE: '64', MODA_KEEP_ALIVE: '3600' };
}

async function measureQuant(context: BenchContext, type: GgufTensorType, threads: number): Promise<QuantResult> {
  const file = `bench-${type}.gguf`;
  const path = join(context.workDir, file);
  context.log(`llm: writing the ${SHAPE.width}×${SHAPE.layers} ${type} model`);
  const bytes = tinyLlamaGguf({ ...SHAPE, type, contextLength: 4096, seed: 29 });
  await writeFile(path, bytes);
  const home = join(context.workDir, `home-${type}`);
  const repoName = `bench-${type.toLowerCase().replace(/_/g, '-')}`;

  // Moda with 8 sequences and node-llama-cpp in this process with the same context, both loaded at
  // once, each measurement taken in turns on one side and the other: on a shared machine the load
  // drifts within seconds, and measuring all of one side first put that drift into the ratio (the
  // 1-client ratio rested on one 32-token answer per side, ~0.3 s each, minutes apart). Only one
  // side runs at any time; the other's threads are idle.
  const moda: Record<number, number> = {};
  const inProcess: Record<number, number> = {};
  const modaTtft: number[] = [];
  const inProcessTtft: number[] = [];
  let repo = '';
  let rssEight: number;
  let naive: number;
  let loaded: InProcessModel | undefined;
  try {
    const server = await startModa({ repoRoot: context.repoRoot, home, nodeFlags: context.modaNodeFlags, env: modaEnv(threads, SEQUENCES) });
    try {
      repo = await upload(server, repoName, file, bytes);
      const url = server.url;
      const token = server.token;
      // Warm-up on every sequence; the model process's RSS is read then, before this process loads its own copy.
      await timed(SEQUENCES, (client) => streamAnswer(url, token, repo, `${PROMPT} (${client})`, MAX_TOKENS));
      rssEight = await modelRss(server, repo);
      const inProcessModel = await loadInProcess(path, { threads, contextSize: CONTEXT });
      loaded = inProcessModel;
      const prompt = (client: number) => inProcessModel.promptTokens(`${PROMPT} (${client})`);
      const batched = await inProcessModel.context(SEQUENCES);
      try {
        const sequences = Array.from({ length: SEQUENCES }, () => batched.getSequence());
        await timed(SEQUENCES, (client) => generate(inProcessModel, sequences[client]!, prompt(client), MAX_TOKENS));
        for (const clients of CLIENTS) {
          context.log(`llm: ${type} Moda and in-process in turns, ${clients} client(s)`);
          const modaRuns: Run[] = [];
          const inProcessRuns: Run[] = [];
          for (let round = 0; round < RATE_ROUNDS; round++) {
            modaRuns.push(await timed(clients, (client) => streamAnswer(url, token, repo, `${PROMPT} (${client})`, MAX_TOKENS)));
            inProcessRuns.push(await timed(clients, (client) => generate(inProcessModel, sequences[client]!, prompt(client), MAX_TOKENS)));
          }
          moda[clients] = rateOf(modaRuns);
          inProcess[clients] = rateOf(inProcessRuns);
        }
        // Each side's request starts after a pause, so neither starts while the other's processes are still
        // finishing their last request; the side that goes first alternates.
        const ttftOf = {
          moda: async () => modaTtft.push((await streamAnswer(url, token, repo, PROMPT, TTFT_TOKENS)).firstTokenMs),
          inProcess: async () => inProcessTtft.push((await generate(inProcessModel, sequences[0]!, inProcessModel.promptTokens(PROMPT), TTFT_TOKENS)).firstTokenMs),
        };
        for (let round = 0; round < TTFT_ROUNDS; round++) {
          for (const side of round % 2 === 0 ? (['moda', 'inProcess'] as const) : (['inProcess', 'moda'] as const)) {
            await new Promise((resolve) => setTimeout(resolve, TTFT_PAUSE_MS));
            await ttftOf[side]();
          }
        }
      } finally {
        await batched.dispose();
      }
    } finally {
      await server.stop();
    }
    // Naive serving in this process: one sequence of its own context, requests one after another.
    context.log(`llm: ${type} naive serving, ${SEQUENCES} requests one after another`);
    const single = await loaded.context(1);
    try {
      const sequence = single.getSequence();
      const started = performance.now();
      const answers: Generation[] = [];
      for (let client = 0; client < SEQUENCES; client++) answers.push(await generate(loaded, sequence, loaded.promptTokens(`${PROMPT} (${client})`), MAX_TOKENS));
      naive = answers.reduce((sum, answer) => sum + answer.tokens, 0) / ((performance.now() - started) / 1000);
    } finally {
      await single.dispose();
    }
  } finally {
    await loaded?.dispose();
  }
  // The same model with one sequence: the difference in the model process's RSS is 7 sequences' KV cache.
  let rssOne: number;
  const server = await startModa({ repoRoot: context.repoRoot, home, nodeFlags: context.modaNodeFlags, env: modaEnv(threads, 1) });
  try {
    await streamAnswer(server.url, server.token, repo, PROMPT, 4);
    rssOne = await modelRss(server, repo);
  } finally {
    await server.stop();
  }
  return {
    type,
    fileBytes: bytes.length,
    moda,
    inProcess,
    naive,
    ttftModa: median(modaTtft),
    ttftInProcess: median(inProcessTtft),
    rssPerSequence: (rssEight - rssOne) / (SEQUENCES - 1),
    rss: { one: rssOne, eight: rssEight },
  };
}

const MIB = 1024 * 1024;

async function run(context: BenchContext, threadsAsked: number): Promise<BenchResult> {
  // Every core by default; on a machine busy with other work, llama.cpp's threads wait for each
  // other at every operator (on this 2-core machine at a load of ~25, 2 threads made 0.3 tokens/s),
  // so `--llm-threads=1` keeps the comparison meaningful there.
  const threads = threadsAsked > 0 ? threadsAsked : availableParallelism();
  const kvFormula = kvBytesPerSequence(SHAPE, CONTEXT);
  const results: QuantResult[] = [];
  for (const type of TYPES) results.push(await measureQuant(context, type, threads));
  const rows: ResultRow[] = [];
  for (const result of results) {
    for (const clients of CLIENTS) {
      rows.push({ metric: `${result.type}: tokens/s, ${clients} streaming client(s), Moda vs node-llama-cpp in-process`, unit: 'tokens/s', value: result.moda[clients] ?? 0, baseline: result.inProcess[clients] ?? 0, target: { kind: 'ratio-at-least', min: 0.9 } });
    }
    rows.push({ metric: `${result.type}: tokens/s at ${SEQUENCES} clients, Moda vs naive serving (1 sequence, one request after another)`, unit: 'tokens/s', value: result.moda[SEQUENCES] ?? 0, baseline: result.naive, target: { kind: 'info' } });
    rows.push({ metric: `${result.type}: time to first token at 1 client, Moda minus in-process (${result.ttftModa.toFixed(1)} vs ${result.ttftInProcess.toFixed(1)} ms)`, unit: 'ms', value: result.ttftModa - result.ttftInProcess, target: { kind: 'below', max: 5 } });
    rows.push({ metric: `${result.type}: model process RSS growth per added sequence, off the KV formula (${(result.rssPerSequence / MIB).toFixed(2)} MiB measured vs ${(kvFormula / MIB).toFixed(2)} MiB)`, unit: '%', value: (Math.abs(result.rssPerSequence / kvFormula - 1) * 100), target: { kind: 'below', max: 10 } });
  }
  return {
    id: 'llm',
    title: 'LLM serving: GGUF through Moda (continuous batching, SSE) vs node-llama-cpp in-process and naive serving',
    method: [
      `Model: a synthetic llama written by test/fixtures/tiny-gguf.ts, ${SHAPE.width} wide, ${SHAPE.layers} layers, ${SHAPE.heads} heads, feed-forward ${SHAPE.feedForward}, ~550-token vocabulary, random seeded weights, once in Q8_0 and once in F16 (${results.map((result) => `${result.type} ${(result.fileBytes / MIB).toFixed(0)} MiB`).join(', ')}).`,
      `Both sides: ${CONTEXT}-token context per sequence, ${SEQUENCES} sequences, ${threads} thread(s) (${threads === availableParallelism() ? 'every core' : `--llm-threads, of ${availableParallelism()} cores`}), batch size ${Math.min(CONTEXT, 512)}; greedy sampling with the end tokens banned, so every answer is exactly ${MAX_TOKENS} tokens; each client a different prompt of the same length.`,
      `Moda: the built server (dist/) as a child process with MODA_LLM_PARALLEL=8, MODA_LLM_CONTEXT and MODA_THREADS set, the model uploaded over the Hub API; N clients post streaming /v1/chat/completions at once and read the SSE to the end; tokens/s = completion tokens (from the usage chunk) over the wall time of all N, summed over ${RATE_ROUNDS} rounds.`,
      'In-process: node-llama-cpp 3.21.1 in the benchmark process, one context built as Moda builds it (createContext with the same contextSize, sequences, threads, batchSize), each client one sequence evaluating the same prompt tokens (the chat template through the same chat wrapper, BOS included, as Moda\'s child makes them), each token detokenized.',
      `Side by side in turns: both sides loaded at once, each client count measured on Moda, then in-process, ${RATE_ROUNDS} times over, and each time-to-first-token request on both, ${TTFT_ROUNDS} times over (the side that goes first alternating, each request after ${TTFT_PAUSE_MS} ms of quiet), so the machine's load drifting affects both alike; only one side generates at any time.`,
      `Naive serving: one sequence of its own context, the ${SEQUENCES} requests one after another (what a hand-written route does).`,
      `Time to first token: median of ${TTFT_ROUNDS} one-client requests on each side, taken in turns; Moda's from sending the request to the first SSE chunk with text, in-process from starting evaluation to the first token whose text is not empty (a token that is only part of a UTF-8 character shows nothing to a reader on either side); both include the prompt's evaluation.`,
      `Memory: moda_model_rss_bytes of the model's process after a warm-up request on each sequence (before the in-process model loads) with MODA_LLM_PARALLEL=8, and after one request with 1 on the same MODA_HOME; the difference over 7 is compared with the KV formula context × layers × 2 × kv width × 2 bytes = ${(kvFormula / MIB).toFixed(2)} MiB per sequence.`,
    ],
    rows,
    notes: results.map((result) => `${result.type}: batching gain at ${SEQUENCES} clients ${((result.moda[SEQUENCES] ?? 0) / result.naive).toFixed(2)}× naive serving; in-process gain ${((result.inProcess[SEQUENCES] ?? 0) / result.naive).toFixed(2)}×; model process RSS ${(result.rss.one / MIB).toFixed(0)} MiB with 1 sequence, ${(result.rss.eight / MIB).toFixed(0)} MiB with ${SEQUENCES}.`),
  };
}

export function llmBenchmark(options: { threads: number }): Benchmark {
  return { id: 'llm', run: (context) => run(context, options.threads) };
}
