// Benchmark 1: downloading a 1 GiB LFS file through `/{repo}/resolve/main/…` versus nginx serving the
// same bytes from disk with sendfile, both fetched by curl over loopback with the page cache warm.
import { basename, dirname, join } from 'node:path';
import type { BenchContext, BenchResult, Benchmark } from './lib/bench-types.js';
import { curlDownload, curlUpload } from './lib/curl.js';
import { commit, createRepo, lfsUploadHref } from './lib/moda-api.js';
import { startModa } from './lib/moda-server.js';
import { startNginx } from './lib/nginx.js';
import { cpuSeconds } from './lib/process-cpu.js';
import { sizeText } from './lib/size-text.js';
import { median } from './lib/stats.js';

/** Alternating runs per server; 7 keeps the median stable on a machine shared with other work. */
const RUNS = 7;
const TRANSFER_TIMEOUT_MS = 120_000;
const MB = 1e6;

export const downloadVsNginx: Benchmark = {
  id: 'download',
  async run(context: BenchContext): Promise<BenchResult> {
    const big = await context.bigFile();
    const moda = await startModa({ repoRoot: context.repoRoot, home: join(context.workDir, 'download-home'), nodeFlags: context.modaNodeFlags });
    const nginx = await startNginx(join(context.workDir, 'nginx'), dirname(big.path)).catch(async (error: unknown) => {
      await moda.stop();
      throw error;
    });
    try {
      const repo = await createRepo(moda, 'download-bench');
      const href = await lfsUploadHref(moda, repo, { oid: big.oid, size: big.size });
      if (href) await curlUpload(href, big.path, TRANSFER_TIMEOUT_MS);
      await commit(moda, repo, [
        { key: 'header', value: { summary: 'add big.bin' } },
        { key: 'lfsFile', value: { path: 'big.bin', algo: 'sha256', oid: big.oid, size: big.size } },
      ]);
      const modaUrl = `${moda.url}/${repo}/resolve/main/big.bin`;
      const nginxUrl = `${nginx.url}/${basename(big.path)}`;

      // One unmeasured fetch each puts both copies (the original, Moda's blob) in the page cache.
      context.log('download: warm-up');
      await curlDownload(modaUrl, TRANSFER_TIMEOUT_MS);
      await curlDownload(nginxUrl, TRANSFER_TIMEOUT_MS);

      const modaRates: number[] = [];
      const nginxRates: number[] = [];
      const pid = moda.service.child.pid ?? 0;
      const cpuBefore = await cpuSeconds(pid);
      // Alternate the two servers so drift (thermal, noisy neighbours) hits both alike.
      for (let run = 0; run < RUNS; run++) {
        for (const [url, rates] of [[modaUrl, modaRates], [nginxUrl, nginxRates]] as const) {
          const transfer = await curlDownload(url, TRANSFER_TIMEOUT_MS);
          if (transfer.bytes !== big.size) throw new Error(`${url} sent ${transfer.bytes} bytes, expected ${big.size}`);
          rates.push(transfer.bytesPerSecond / MB);
        }
        context.log(`download: run ${run + 1}/${RUNS}: Moda ${modaRates.at(-1)?.toFixed(0)} MB/s, nginx ${nginxRates.at(-1)?.toFixed(0)} MB/s`);
      }
      const modaCpuPerGiB = (await cpuSeconds(pid)) - cpuBefore;
      const gib = (big.size / 1024 ** 3) * RUNS;
      return {
        id: 'download',
        title: `1. Download of a ${sizeText(big.size)} LFS file vs nginx`,
        method: [
          `A ${sizeText(big.size)} file of random bytes is uploaded once through the LFS API and committed as big.bin.`,
          'Moda serves it from its blob store via `GET /{repo}/resolve/main/big.bin`; nginx (worker_processes 2, sendfile on, access_log off) serves the original file from the same disk.',
          `curl (\`-o /dev/null -w %{speed_download}\`) fetches each ${RUNS} times, alternating servers, after one unmeasured warm-up fetch each (page cache warm); the median rate is reported, in MB/s (10^6 bytes).`,
        ],
        rows: [
          { metric: `GET ${sizeText(big.size)}, median of ${RUNS}`, unit: 'MB/s', value: median(modaRates), baseline: median(nginxRates), target: { kind: 'ratio-at-least', min: 0.8 } },
          { metric: 'Moda server CPU per GiB sent', unit: 's', value: modaCpuPerGiB / gib, target: { kind: 'info' } },
        ],
        notes: [`Runs (MB/s): Moda ${modaRates.map((rate) => rate.toFixed(0)).join(', ')}; nginx ${nginxRates.map((rate) => rate.toFixed(0)).join(', ')}.`],
      };
    } finally {
      await nginx.stop();
      await moda.stop();
    }
  },
};
