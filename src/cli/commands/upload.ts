// `moda upload`: one commit with a local file or folder; LFS progress drawn on stderr.
import type { Command } from 'commander';
import type { RepoType } from '../../client/api-types.js';
import { uploadIter } from '../../client/upload.js';
import { clientFor, printLine, type CliIo } from '../cli-context.js';
import { typeOption } from '../command-options.js';
import { formatBytes } from '../format-output.js';
import { ProgressBar } from '../progress-bar.js';

interface UploadCommandOptions {
  type: RepoType;
  revision?: string;
  message?: string;
  description?: string;
  pathInRepo?: string;
}

export function registerUpload(program: Command, io: CliIo): void {
  program
    .command('upload')
    .description('Upload a file or folder (skipping .git) as one commit; large and binary files go through LFS')
    .argument('<repo>', 'namespace/name')
    .argument('<local>', 'local file or folder')
    .addOption(typeOption())
    .option('--revision <branch>', 'branch to commit to', 'main')
    .option('--message <summary>', 'commit summary')
    .option('--description <text>', 'commit description')
    .option('--path-in-repo <path>', 'folder to upload into (or, for a file, its path in the repo)')
    .action(async (repoId: string, localPath: string, options: UploadCommandOptions, command: Command) => {
      const { client } = await clientFor(command, io);
      const events = uploadIter(client, repoId, localPath, {
        type: options.type,
        revision: options.revision,
        message: options.message,
        description: options.description,
        pathInRepo: options.pathInRepo,
      });
      let bar: ProgressBar | undefined;
      let lfsFiles = 0;
      let lfsBytes = 0;
      const bytesByPath = new Map<string, number>();
      for await (const event of events) {
        switch (event.event) {
          case 'plan': {
            const lfs = event.files.filter((file) => file.mode === 'lfs');
            lfsFiles = lfs.length;
            lfsBytes = event.lfsBytes;
            printLine(io.stderr, `Uploading ${event.files.length} file(s), ${formatBytes(event.totalBytes)}, to ${repoId} (${lfsFiles} via LFS)`);
            break;
          }
          case 'phase':
            bar?.finish();
            bar = undefined;
            bytesByPath.clear();
            if (event.phase === 'hashing' || event.phase === 'uploading') {
              printLine(io.stderr, `${event.phase} ${lfsFiles} LFS file(s), ${formatBytes(lfsBytes)}`);
              bar = new ProgressBar(io.stderr, event.phase, lfsBytes);
            } else if (event.phase === 'committing') printLine(io.stderr, 'committing');
            break;
          case 'fileProgress':
            bytesByPath.set(event.path, event.bytes);
            bar?.update([...bytesByPath.values()].reduce((sum, bytes) => sum + bytes, 0));
            if (event.state === 'uploading' && event.bytes === event.size) {
              const text = `${event.alreadyStored ? 'already stored' : 'uploaded'} ${event.path} (${formatBytes(event.size)})`;
              if (bar) bar.line(text);
              else printLine(io.stderr, text);
            }
            break;
          case 'committed':
            bar?.finish();
            printLine(io.stderr, `Committed ${event.commitOid}`);
            printLine(io.stdout, event.commitUrl);
            break;
        }
      }
    });
}
