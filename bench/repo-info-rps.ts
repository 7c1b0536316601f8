// Benchmark 3: `GET /api/models/{repo}` throughput at 32 connections versus a bare fastify handler
// that answers the same bytes, both driven by wrk. The gap is what Moda's per-request work costs:
// hooks, the repo lookup in SQLite, the ref read, the (cached) file list and JSON serialisation.
import { randomBytes, createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext, BenchResult, Benchmark } from './lib/bench-types.js';
import { startService } from './lib/child-process.js';
import { freePort } from './lib/free-port.js';
import { commit, createRepo, getBytes, lfsUploadHref, putBytes, type CommitLine } from './lib/moda-api.js';
import { startModa, type ModaServer } from './lib/moda-server.js';
import { median } from './lib/stats.js';
import { runWrk, type WrkOptions, type WrkReport } from './lib/wrk.js';

const LOAD: WrkOptions = { threads: 2, connections: 32, seconds: 10 };
const ROUNDS = 3;
const WARM_UP: WrkOptions = { threads: 2, connections: 32, seconds: 2 };

const CARD = `---
license: apache-2.0
language: [en, de]
pipeline_tag: text-classification
library_name: transformers
tags: [bert, sentiment, onnx]
datasets: [imdb]
---
# info-bench

A small classifier used by the repo-info benchmark.
`;

/** A realistic small model repo: card, configs, tokenizer files and two LFS weights (~20 files). */
async function seedRepo(moda: ModaServer): Promise<string> {
  const repo = await createRepo(moda, 'info-bench');
  const small: Record<string, string> = {
    'README.md': CARD,
    'config.json': JSON.stringify({ architectures: ['BertForSequenceClassification'], model_type: 'bert', hidden_size: 768 }),
    'generation_config.json': '{}',
    'tokenizer.json': JSON.stringify({ version: '1.0', model: { type: 'WordPiece' } }),
    'tokenizer_config.json': JSON.stringify({ do_lower_case: true }),
    'special_tokens_map.json': JSON.stringify({ cls_token: '[CLS]', sep_token: '[SEP]' }),
    'vocab.txt': ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'the', 'a'].join('\n'),
    'preprocessor_config.json': '{}',
    'training_args.json': JSON.stringify({ epochs: 3 }),
    'eval_results.json': JSON.stringify({ accuracy: 0.93 }),
    'onnx/config.json': '{}',
    'onnx/tokenizer.json': '{}',
    'onnx/quantize_config.json': '{}',
    'scripts/train.py': 'print("train")\n',
    'scripts/evaluate.py': 'print("evaluate")\n',
    'examples/input.txt': 'I loved this film.\n',
    'LICENSE': 'Apache License 2.0\n',
  };
  const lines: CommitLine[] = [{ key: 'header', value: { summary: 'seed info-bench' } }];
  for (const [path, content] of Object.entries(small)) lines.push({ key: 'file', value: { path, content, encoding: 'utf-8' } });
  for (const path of ['model.safetensors', 'onnx/model.onnx']) {
    const bytes = randomBytes(1024 * 1024);
    const oid = createHash('sha256').update(bytes).digest('hex');
    const href = await lfsUploadHref(moda, repo, { oid, size: bytes.length });
    if (href) await putBytes(href, bytes);
    lines.push({ key: 'lfsFile', value: { path, algo: 'sha256', oid, size: bytes.length } });
  }
  await commit(moda, repo, lines);
  return repo;
}

interface Side {
  label: string;
  url: string;
  headers?: Record<string, string>;
  reports: WrkReport[];
}

function checked(report: WrkReport, what: string): WrkReport {
  if (report.errors > 0) throw new Error(`${what}: wrk saw ${report.errors} errors or non-2xx answers`);
  return report;
}

export const repoInfoRps: Benchmark = {
  id: 'repo-info',
  async run(context: BenchContext): Promise<BenchResult> {
    const moda = await startModa({ repoRoot: context.repoRoot, home: join(context.workDir, 'info-home'), nodeFlags: context.modaNodeFlags });
    try {
      const repo = await seedRepo(moda);
      const path = `/api/models/${repo}`;
      const body = await getBytes(moda, path);
      const siblings = (JSON.parse(body.toString('utf8')) as { siblings?: unknown[] }).siblings?.length ?? 0;
      const bodyPath = join(context.workDir, 'repo-info.json');
      await writeFile(bodyPath, body);

      const fastifyVersion = (JSON.parse(await readFile(join(context.repoRoot, 'node_modules/fastify/package.json'), 'utf8')) as { version: string }).version;
      const port = await freePort();
      const { service: bare } = await startService(process.execPath, ['--import', 'tsx', join(context.repoRoot, 'bench/baseline/bare-fastify.ts'), String(port), bodyPath], {
        cwd: context.repoRoot,
        ready: /listening/,
        timeoutMs: 30_000,
      });
      try {
        const auth = { authorization: `Bearer ${moda.token}` };
        const sides: Side[] = [
          { label: 'Moda', url: `${moda.url}${path}`, reports: [] },
          { label: 'bare fastify', url: `http://127.0.0.1:${port}${path}`, reports: [] },
          { label: 'Moda with a token', url: `${moda.url}${path}`, headers: auth, reports: [] },
        ];
        const [anonymous, baseline, withToken] = sides as [Side, Side, Side];
        context.log('repo-info: warm-up');
        await runWrk(anonymous.url, WARM_UP);
        await runWrk(baseline.url, WARM_UP);
        // Rounds alternate the sides so a burst of other work on the machine hits each of them once
        // at most; each side's median over the rounds is reported.
        for (let round = 0; round < ROUNDS; round++) {
          for (const side of sides) {
            side.reports.push(checked(await runWrk(side.url, { ...LOAD, headers: side.headers }), side.label));
          }
          context.log(`repo-info: round ${round + 1}/${ROUNDS}: ${sides.map((side) => `${side.label} ${side.reports.at(-1)?.requestsPerSecond.toFixed(0)} req/s`).join(', ')}`);
        }
        const rps = (side: Side) => median(side.reports.map((report) => report.requestsPerSecond));
        const p99 = (side: Side) => median(side.reports.map((report) => report.p99Ms));
        const p50 = (side: Side) => median(side.reports.map((report) => report.p50Ms));
        return {
          id: 'repo-info',
          title: '3. Repo info requests per second vs bare fastify',
          method: [
            `Repo ${repo} holds ${siblings} files (card, configs, tokenizer files, two 1 MiB LFS weights); its \`GET ${path}\` answer is ${body.length} bytes.`,
            `The baseline is a separate node process running fastify ${fastifyVersion} from the same node_modules, with one route returning exactly those bytes.`,
            `wrk -t${LOAD.threads} -c${LOAD.connections} -d${LOAD.seconds}s, ${ROUNDS} rounds alternating Moda, the baseline and Moda with \`Authorization: Bearer\` (as Hugging Face clients send), after a ${WARM_UP.seconds} s warm-up; median per side. wrk shares the 2 cores with the server in every case.`,
          ],
          rows: [
            { metric: `GET ${path}, anonymous`, unit: 'req/s', value: rps(anonymous), baseline: rps(baseline), target: { kind: 'ratio-at-least', min: 0.5 } },
            { metric: 'same, p99 latency', unit: 'ms', value: p99(anonymous), baseline: p99(baseline), target: { kind: 'info' } },
            { metric: `GET ${path}, with a token`, unit: 'req/s', value: rps(withToken), baseline: rps(baseline), target: { kind: 'info' } },
          ],
          notes: [
            `Rounds (req/s): ${sides.map((side) => `${side.label} ${side.reports.map((report) => report.requestsPerSecond.toFixed(0)).join(', ')}`).join('; ')}.`,
            `Median p50 latency: Moda ${p50(anonymous).toFixed(2)} ms anonymous, ${p50(withToken).toFixed(2)} ms with a token; bare fastify ${p50(baseline).toFixed(2)} ms.`,
          ],
        };
      } finally {
        await bare.stop();
      }
    } finally {
      await moda.stop();
    }
  },
};
