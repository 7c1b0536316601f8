// `moda export` / `moda import`: air-gap bundles of repos (git history with real commit shas, tags,
// LFS objects, a checksummed manifest). Both work on the data directory ($MODA_HOME) directly, like
// `git bundle` on a repository, so they run on a machine with no network and no server.
import type { Command } from 'commander';
import type { RepoType } from '../../client/api-types.js';
import type { Config } from '../../config/config.js';
import { openDatabase } from '../../db/open-database.js';
import { createHubContext, type HubContext } from '../../hub/context.js';
import { exportBundleIter, parseExportTarget } from '../../mirror/export-bundle.js';
import { importBundleIter } from '../../mirror/import-bundle.js';
import { openHub } from '../../server/start-server.js';
import { openBlobStore } from '../../storage/open-blob-store.js';
import { cliConfig, printLine, type CliIo } from '../cli-context.js';
import { typeOption } from '../command-options.js';
import { formatBytes } from '../format-output.js';
import { ProgressBar } from '../progress-bar.js';

/** Export only reads: the database and blob store, without the start-up work of a server. */
async function readOnlyHub(config: Config): Promise<HubContext> {
  return createHubContext(await openDatabase(config), await openBlobStore(config), config);
}

export function registerBundle(program: Command, io: CliIo): void {
  program
    .command('export')
    .description('Write repos (all branches, tags and LFS objects) into an air-gap bundle; reads $MODA_HOME directly')
    .argument('<repos...>', 'namespace/name (datasets/namespace/name for a dataset)')
    .requiredOption('--out <file>', 'bundle file to write (a tar)')
    .addOption(typeOption())
    .action(async (repos: string[], options: { out: string; type: RepoType }, command: Command) => {
      const hub = await readOnlyHub(cliConfig(command, io));
      try {
        let bar: ProgressBar | undefined;
        for await (const event of exportBundleIter(hub, repos.map((spec) => parseExportTarget(spec, options.type)), options.out)) {
          if (event.event === 'repo') printLine(io.stderr, `${event.type === 'dataset' ? 'datasets/' : ''}${event.repo}: ${event.refs} ref(s), ${event.files} file(s) at refs, ${event.lfsObjects} LFS object(s)`);
          else if (event.event === 'progress') (bar ??= new ProgressBar(io.stderr, 'writing', event.totalBytes)).update(event.bytes);
          else {
            bar?.finish();
            printLine(io.stderr, `exported ${event.result.repos.length} repo(s) and ${event.result.blobs} LFS object(s), ${formatBytes(event.result.bytes)}`);
            printLine(io.stdout, event.result.path);
          }
        }
      } finally {
        await hub.db.destroy();
      }
    });

  program
    .command('import')
    .description('Import the repos of a bundle into $MODA_HOME after checking every checksum; all or nothing')
    .argument('<bundle>', 'bundle file written by `moda export`')
    .action(async (bundle: string, _options: unknown, command: Command) => {
      // openHub registers this process under $MODA_HOME/run, so a server starting meanwhile leaves
      // the import's scratch files alone.
      const hub = await openHub(cliConfig(command, io));
      try {
        let bar: ProgressBar | undefined;
        for await (const event of importBundleIter(hub, bundle)) {
          switch (event.event) {
            case 'manifest':
              printLine(io.stderr, `bundle of ${event.repos.join(', ')}: ${event.entries} entries, ${formatBytes(event.totalBytes)}`);
              bar = new ProgressBar(io.stderr, 'checking', event.totalBytes);
              break;
            case 'progress':
              bar?.update(event.bytes);
              break;
            case 'verified':
              bar?.finish();
              bar = undefined;
              printLine(io.stderr, `verified ${event.repo}`);
              break;
            case 'imported':
              printLine(io.stdout, event.repo);
              break;
            case 'done':
              printLine(io.stderr, `imported ${event.result.repos.length} repo(s), ${event.result.blobs} new LFS object(s)`);
              break;
          }
        }
      } finally {
        await hub.db.destroy();
      }
    });
}
