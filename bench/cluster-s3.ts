// Cluster mode, object storage: what a Moda replica in front of an S3-compatible store costs.
// Download: `resolve` answered with a 302 to a presigned GET (curl -L) vs the same presigned GET
// fetched from the store directly. Upload: an LFS PUT streamed through the replica (hashed, multipart
// into S3) vs `@aws-sdk/lib-storage`'s multipart Upload of the same file straight into the store.
// The store is OpenStack Swift with s3api (scripts/swift-s3.sh), on this same machine.
import { createReadStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { BenchContext, BenchResult, Benchmark } from './lib/bench-types.js';
import { runChecked } from './lib/child-process.js';
import { curlDownload, curlUpload } from './lib/curl.js';
import { commit, createRepo, lfsUploadHref } from './lib/moda-api.js';
import { startModa } from './lib/moda-server.js';
import { sizeText } from './lib/size-text.js';
import { median } from './lib/stats.js';

/** Alternating runs per side; few, since each moves the whole file through Swift on 2 busy cores. */
const RUNS = 5;
const TRANSFER_TIMEOUT_MS = 600_000;
const MB = 1e6;
const BUCKET = 'moda-bench';
/** The replica's multipart shape (src/storage/s3-blob-store.ts), given to the SDK baseline too. */
const PART_BYTES = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;

async function startSwift(context: BenchContext): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const dir = join(context.workDir, 'swift');
  await mkdir(dir, { recursive: true });
  const script = join(context.repoRoot, 'scripts/swift-s3.sh');
  const stop = async () => {
    await runChecked('bash', [script, 'stop', dir], { timeoutMs: 60_000 }).catch(() => undefined);
  };
  try {
    await runChecked('bash', [script, 'start', dir], { timeoutMs: 300_000 });
  } catch (error) {
    await stop();
    throw error;
  }
  const env = Object.fromEntries(
    (await readFile(join(dir, 'env'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  ) as Record<string, string>;
  return { env, stop };
}

export const clusterS3: Benchmark = {
  id: 'cluster-s3',
  async run(context: BenchContext): Promise<BenchResult> {
    const big = await context.bigFile();
    context.log('cluster-s3: starting Swift (s3api)');
    const swift = await startSwift(context);
    const endpoint = swift.env.S3_ENDPOINT ?? '';
    const credentials = { accessKeyId: swift.env.S3_ACCESS_KEY ?? '', secretAccessKey: swift.env.S3_SECRET_KEY ?? '' };
    const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    let moda: Awaited<ReturnType<typeof startModa>> | undefined;
    try {
      await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      moda = await startModa({
        repoRoot: context.repoRoot,
        home: join(context.workDir, 'cluster-s3-home'),
        nodeFlags: context.modaNodeFlags,
        env: { MODA_BLOB_STORE: `s3://${BUCKET}/moda`, MODA_S3_ENDPOINT: endpoint, MODA_S3_FORCE_PATH_STYLE: '1', AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey },
      });

      // Upload: each Moda run goes to a fresh repo, so the replica hashes and stores the whole file again.
      const modaUploads: number[] = [];
      const sdkUploads: number[] = [];
      let lastRepo = '';
      for (let run = 0; run < RUNS; run++) {
        lastRepo = await createRepo(moda, `s3-bench-${run}`);
        const href = await lfsUploadHref(moda, lastRepo, { oid: big.oid, size: big.size });
        if (!href) throw new Error('the replica asked for no upload');
        const put = await curlUpload(href, big.path, TRANSFER_TIMEOUT_MS);
        modaUploads.push(big.size / (put.wallMs / 1000) / MB);
        const started = performance.now();
        await new Upload({ client: s3, params: { Bucket: BUCKET, Key: `direct/${big.oid}`, Body: createReadStream(big.path, { highWaterMark: 1024 * 1024 }) }, partSize: PART_BYTES, queueSize: PARTS_IN_FLIGHT }).done();
        sdkUploads.push(big.size / ((performance.now() - started) / 1000) / MB);
        context.log(`cluster-s3: upload run ${run + 1}/${RUNS}: through Moda ${modaUploads.at(-1)?.toFixed(0)} MB/s, aws-sdk direct ${sdkUploads.at(-1)?.toFixed(0)} MB/s`);
      }
      await commit(moda, lastRepo, [
        { key: 'header', value: { summary: 'add big.bin' } },
        { key: 'lfsFile', value: { path: 'big.bin', algo: 'sha256', oid: big.oid, size: big.size } },
      ]);

      // Download: both sides end at the same Swift object; Moda adds the resolve lookup and the 302.
      const resolveUrl = `${moda.url}/${lastRepo}/resolve/main/big.bin`;
      const presigned = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: `moda/lfs/${big.oid.slice(0, 2)}/${big.oid.slice(2, 4)}/${big.oid}` }), { expiresIn: 3600 });
      await curlDownload(resolveUrl, TRANSFER_TIMEOUT_MS, { followRedirects: true });
      const modaDownloads: number[] = [];
      const directDownloads: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        for (const [url, rates, follow] of [[resolveUrl, modaDownloads, true], [presigned, directDownloads, false]] as const) {
          const transfer = await curlDownload(url, TRANSFER_TIMEOUT_MS, { followRedirects: follow });
          if (transfer.bytes !== big.size) throw new Error(`${url} sent ${transfer.bytes} bytes, expected ${big.size}`);
          rates.push(big.size / (transfer.wallMs / 1000) / MB);
        }
        context.log(`cluster-s3: download run ${run + 1}/${RUNS}: via Moda's redirect ${modaDownloads.at(-1)?.toFixed(0)} MB/s, Swift direct ${directDownloads.at(-1)?.toFixed(0)} MB/s`);
      }
      const fmt = (rates: number[]) => rates.map((rate) => rate.toFixed(0)).join(', ');
      return {
        id: 'cluster-s3',
        title: `Cluster mode: ${sizeText(big.size)} LFS transfers with an S3 store (Swift s3api)`,
        method: [
          `A ${sizeText(big.size)} file of random bytes; the S3 store is OpenStack Swift 2.30 with s3api, single replica, on this machine (scripts/swift-s3.sh); Moda runs with MODA_BLOB_STORE=s3://${BUCKET}/moda.`,
          `Upload: curl PUTs the file to the LFS href of a fresh repo (the replica hashes it and sends 8 MiB parts, 4 in flight, completing the multipart upload after the sha256 matched) vs \`@aws-sdk/lib-storage\` Upload of the same file from disk with the same part size and queue, from the benchmark process; ${RUNS} alternating runs each, median.`,
          `Download: curl -L on \`/{repo}/resolve/main/big.bin\` (302 to a presigned GET, then Swift) vs curl on a presigned GET of the same object; one warm-up, then ${RUNS} alternating runs, median. Rates are size / wall time of the curl process, in MB/s (10^6 bytes).`,
        ],
        rows: [
          { metric: `GET ${sizeText(big.size)} by presigned redirect, median of ${RUNS}`, unit: 'MB/s', value: median(modaDownloads), baseline: median(directDownloads), target: { kind: 'ratio-at-least', min: 0.9 } },
          { metric: `PUT ${sizeText(big.size)} through a replica into S3, median of ${RUNS}`, unit: 'MB/s', value: median(modaUploads), baseline: median(sdkUploads), target: { kind: 'ratio-at-least', min: 0.7 } },
        ],
        notes: [
          `Download runs (MB/s): via Moda ${fmt(modaDownloads)}; Swift direct ${fmt(directDownloads)}.`,
          `Upload runs (MB/s): through Moda ${fmt(modaUploads)}; aws-sdk direct ${fmt(sdkUploads)}.`,
          'Swift, Moda and the clients share the 2 cores of this machine, so both sides are bound by Swift writing and reading on the same disk; the ratios, not the absolute rates, are the result.',
        ],
      };
    } finally {
      await moda?.stop();
      s3.destroy();
      await swift.stop();
    }
  },
};
