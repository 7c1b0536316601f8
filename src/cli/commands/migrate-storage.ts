// `moda migrate-storage`: moves a single-machine MODA_HOME's LFS objects into the S3 store that
// MODA_BLOB_STORE names, checking each sha256 on the way in and again read back from S3. Safe to
// run again after an interruption: blobs already in S3 are skipped. Exit code 1 when any blob failed.
import type { Command } from 'commander';
import { join } from 'node:path';
import { ModaError } from '../../errors/moda-error.js';
import { migrateBlobsIter, type MigrateBlobsResult } from '../../storage/migrate-blobs.js';
import { openBlobStore } from '../../storage/open-blob-store.js';
import { cliConfig, printLine, type CliIo } from '../cli-context.js';
import { formatBytes } from '../format-output.js';
import { ProgressBar } from '../progress-bar.js';

interface MigrateStorageOptions {
  from?: string;
  concurrency: string;
  verifyExisting?: boolean;
}

export function registerMigrateStorage(program: Command, io: CliIo): void {
  program
    .command('migrate-storage')
    .description('Copy every LFS object of $MODA_HOME/blobs into the S3 store of MODA_BLOB_STORE, verifying each sha256; resumable')
    .option('--from <dir>', 'blob folder to copy from (default: $MODA_HOME/blobs)')
    .option('--concurrency <n>', 'objects copied at once', '4')
    .option('--verify-existing', 'also re-hash objects already in S3 instead of trusting their presence and size')
    .action(async (options: MigrateStorageOptions, command: Command) => {
      const config = cliConfig(command, io);
      if (!config.blobStore) throw new ModaError('CONFIG_INVALID', 'MODA_BLOB_STORE must name the target, e.g. s3://bucket/prefix');
      const concurrency = Number(options.concurrency);
      if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new ModaError('VALIDATION_FAILED', '--concurrency must be an integer from 1 to 64');
      const source = options.from ?? join(config.home, 'blobs');
      let bar: ProgressBar | undefined;
      let done = 0;
      let result: MigrateBlobsResult | undefined;
      for await (const event of migrateBlobsIter(source, await openBlobStore(config), { concurrency, verifyExisting: options.verifyExisting })) {
        if (event.event === 'start') {
          printLine(io.stderr, `${event.blobs} object(s), ${formatBytes(event.bytes)} in ${source}`);
          bar = new ProgressBar(io.stderr, 'migrating', event.bytes);
        } else if (event.event === 'blob') {
          done += event.size;
          bar?.update(done);
          if (event.state === 'failed') printLine(io.stderr, `FAILED ${event.oid}: ${event.error ?? ''}`);
        } else result = event.result;
      }
      bar?.finish();
      if (!result) return;
      for (const path of result.ignored) printLine(io.stderr, `ignored (not a blob): ${path}`);
      printLine(io.stdout, `copied ${result.copied} (${formatBytes(result.bytesCopied)}), already present ${result.present}, failed ${result.failed.length}`);
      if (result.failed.length > 0) command.error('', { exitCode: 1, code: 'moda.migrate-storage.failed' });
    });
}
