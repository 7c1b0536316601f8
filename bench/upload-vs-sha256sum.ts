// Benchmark 2: the server side of an LFS upload (batch + PUT + commit, with the oid computed
// beforehand, as clients do) versus `sha256sum` reading the same file: the server hashes while it
// streams, so hashing speed is the bar its whole path is held to.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext, BenchResult, Benchmark } from './lib/bench-types.js';
import { readHeader, sha256OfFile, writeHeader } from './lib/big-file.js';
import { runChecked } from './lib/child-process.js';
import { curlUpload } from './lib/curl.js';
import { commit, createRepo, lfsUploadHref } from './lib/moda-api.js';
import { startModa } from './lib/moda-server.js';
import { cpuSeconds } from './lib/process-cpu.js';
import { sizeText } from './lib/size-text.js';
import { median } from './lib/stats.js';

const RUNS = 3;
const HEADER_BYTES = 32;
const TRANSFER_TIMEOUT_MS = 180_000;
const MB = 1e6;

interface UploadTiming {
  batchMs: number;
  putMs: number;
  commitMs: number;
  totalMs: number;
}

export const uploadVsSha256sum: Benchmark = {
  id: 'upload',
  async run(context: BenchContext): Promise<BenchResult> {
    const big = await context.bigFile();
    const original = await readHeader(big.path, HEADER_BYTES);
    const moda = await startModa({ repoRoot: context.repoRoot, home: join(context.workDir, 'upload-home'), nodeFlags: context.modaNodeFlags });
    try {
      const repo = await createRepo(moda, 'upload-bench');
      const timings: UploadTiming[] = [];
      const hashRates: number[] = [];
      const ddRates: number[] = [];
      const ddTarget = join(context.workDir, 'dd-copy.bin');
      const pid = moda.service.child.pid ?? 0;
      let serverCpu = 0;
      for (let run = 0; run < RUNS; run++) {
        // A new header gives the file a new oid, so the server really stores it (it skips known oids).
        await writeHeader(big.path, Buffer.concat([Buffer.from(`moda-bench upload run ${run} `), randomBytes(HEADER_BYTES)]).subarray(0, HEADER_BYTES));
        const oid = await sha256OfFile(big.path);

        // The disk's durable write rate, written the way Moda writes (1 MiB direct writes, then fsync),
        // bounds any server that makes an object durable before answering; dd measures it.
        const copied = await runChecked('dd', [`if=${big.path}`, `of=${ddTarget}`, 'bs=1M', 'oflag=direct', 'conv=fsync'], { timeoutMs: TRANSFER_TIMEOUT_MS });
        ddRates.push(big.size / MB / (copied.wallMs / 1000));
        await rm(ddTarget, { force: true });

        const hashed = await runChecked('sha256sum', [big.path], { timeoutMs: TRANSFER_TIMEOUT_MS });
        if (!hashed.stdout.startsWith(oid)) throw new Error(`sha256sum disagrees with node on ${big.path}`);
        hashRates.push(big.size / MB / (hashed.wallMs / 1000));

        const cpuBefore = await cpuSeconds(pid);
        const started = performance.now();
        const href = await lfsUploadHref(moda, repo, { oid, size: big.size });
        if (!href) throw new Error(`the server already had ${oid}; the upload would not be measured`);
        const batched = performance.now();
        await curlUpload(href, big.path, TRANSFER_TIMEOUT_MS);
        const put = performance.now();
        await commit(moda, repo, [
          { key: 'header', value: { summary: `upload run ${run}` } },
          { key: 'lfsFile', value: { path: 'big.bin', algo: 'sha256', oid, size: big.size } },
        ]);
        const done = performance.now();
        serverCpu += (await cpuSeconds(pid)) - cpuBefore;
        timings.push({ batchMs: batched - started, putMs: put - batched, commitMs: done - put, totalMs: done - started });
        context.log(`upload: run ${run + 1}/${RUNS}: Moda ${(big.size / MB / ((done - started) / 1000)).toFixed(0)} MB/s, sha256sum ${hashRates.at(-1)?.toFixed(0)} MB/s`);
      }
      const rates = timings.map((timing) => big.size / MB / (timing.totalMs / 1000));
      const gib = (big.size / 1024 ** 3) * RUNS;
      const medianOf = (pick: (timing: UploadTiming) => number) => median(timings.map(pick)).toFixed(0);
      return {
        id: 'upload',
        title: `2. Upload of a ${sizeText(big.size)} LFS file vs sha256sum`,
        method: [
          `Each run rewrites the first ${HEADER_BYTES} bytes of the ${sizeText(big.size)} random file so it has a new oid (computed before timing, as clients do), then times \`sha256sum <file>\` (spawn to exit) and Moda's server path: LFS batch request, curl PUT of the file streamed from disk to the signed href, NDJSON commit of big.bin.`,
          'Moda hashes while streaming, writes a temp file with direct I/O (1 MiB aligned writes, four in flight, a datasync every 64 MiB), fsyncs it and renames it into the blob store before answering the PUT; the commit then writes the pointer with git fast-import and re-indexes the repo.',
          `${RUNS} runs, median throughput in MB/s (10^6 bytes) of file size over wall time; page cache warm for both.`,
        ],
        rows: [
          { metric: `batch + PUT + commit of ${sizeText(big.size)}, median of ${RUNS}`, unit: 'MB/s', value: median(rates), baseline: median(hashRates), target: { kind: 'ratio-at-least', min: 0.7 } },
          { metric: 'Moda server CPU per GiB received', unit: 's', value: serverCpu / gib, target: { kind: 'info' } },
        ],
        notes: [
          `Runs (MB/s): Moda ${rates.map((rate) => rate.toFixed(0)).join(', ')}; sha256sum ${hashRates.map((rate) => rate.toFixed(0)).join(', ')}.`,
          `This disk's durable write rate (\`dd bs=1M oflag=direct conv=fsync\` of the same file): ${ddRates.map((rate) => rate.toFixed(0)).join(', ')} MB/s, median ${median(ddRates).toFixed(0)}; Moda makes each object durable before answering the PUT, so this bounds it.`,
          `Median split of Moda's wall time: batch ${medianOf((timing) => timing.batchMs)} ms, PUT ${medianOf((timing) => timing.putMs)} ms, commit ${medianOf((timing) => timing.commitMs)} ms.`,
        ],
      };
    } finally {
      await writeHeader(big.path, original);
      await moda.stop();
    }
  },
};
