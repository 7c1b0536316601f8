// `moda download`: files of a repo revision into the cache (and optionally a plain folder); prints
// where they are. Progress drawn on stderr.
import type { Command } from 'commander';
import type { RepoType } from '../../client/api-types.js';
import { downloadIter } from '../../client/download.js';
import { cacheDirOf, clientFor, printLine, type CliIo } from '../cli-context.js';
import { typeOption } from '../command-options.js';
import { formatBytes } from '../format-output.js';
import { ProgressBar } from '../progress-bar.js';

interface DownloadCommandOptions {
  type: RepoType;
  revision?: string;
  localDir?: string;
}

export function registerDownload(program: Command, io: CliIo): void {
  program
    .command('download')
    .description('Download files into the cache ($MODA_HOME/cache/hub) and print the snapshot folder')
    .argument('<repo>', 'namespace/name')
    .argument('[paths...]', 'files or folders to fetch (default: all)')
    .addOption(typeOption())
    .option('--revision <revision>', 'branch, tag or commit', 'main')
    .option('--local-dir <dir>', 'also copy the files into this folder (and print it instead)')
    .action(async (repoId: string, paths: string[], options: DownloadCommandOptions, command: Command) => {
      const { client, config } = await clientFor(command, io);
      const events = downloadIter(client, repoId, paths, {
        type: options.type,
        revision: options.revision,
        cacheDir: cacheDirOf(config),
        localDir: options.localDir,
      });
      let bar: ProgressBar | undefined;
      const bytesByPath = new Map<string, number>();
      for await (const event of events) {
        switch (event.event) {
          case 'resolved': {
            const missing = event.files.filter((file) => !file.cached).length;
            printLine(io.stderr, `${repoId}@${event.commit.slice(0, 12)}: ${event.files.length} file(s), ${missing} to fetch (${formatBytes(event.missingBytes)})`);
            if (missing > 0) bar = new ProgressBar(io.stderr, 'downloading', event.missingBytes);
            break;
          }
          case 'fileProgress':
            bytesByPath.set(event.path, event.bytes);
            bar?.update([...bytesByPath.values()].reduce((sum, bytes) => sum + bytes, 0));
            break;
          case 'fileDone':
            if (!event.cached) bar?.line(`fetched ${event.path} (${formatBytes(event.size)})`);
            break;
          case 'done':
            bar?.finish();
            if (event.result.offline) printLine(io.stderr, `warning: ${client.endpoint} is unreachable; using the cached snapshot`);
            printLine(io.stdout, event.result.localDir ?? event.result.snapshotPath);
            break;
        }
      }
    });
}
