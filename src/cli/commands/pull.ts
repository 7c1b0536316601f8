// `moda pull <source>`: copies a repo from an upstream hub (hf:, ms:, moda:) into the server the CLI
// talks to, as one verified commit; resumable, with progress on stderr.
import { Option, type Command } from 'commander';
import { join } from 'node:path';
import { REPO_TYPES, type RepoType } from '../../client/api-types.js';
import { openUpstream, parsePullSource } from '../../mirror/parse-pull-source.js';
import { pullIter } from '../../mirror/pull-repo.js';
import { clientFor, printLine, type CliIo } from '../cli-context.js';
import { collect } from '../command-options.js';
import { formatBytes } from '../format-output.js';
import { ProgressBar } from '../progress-bar.js';

interface PullCommandOptions {
  revision?: string;
  to?: string;
  type?: RepoType;
  upstreamToken?: string;
  private?: boolean;
  include: string[];
  exclude: string[];
}

export function registerPull(program: Command, io: CliIo): void {
  program
    .command('pull')
    .description('Copy a repo from an upstream hub into this one as one commit (verified, resumable)')
    .argument('<source>', 'hf:<ns>/<name> (MODA_HF_UPSTREAM), ms:<ns>/<name> (MODA_MS_UPSTREAM) or moda:<url>/<ns>/<name>; datasets: hf:datasets/<ns>/<name>')
    .option('--revision <revision>', 'upstream branch, tag or commit (default: its default branch)')
    .option('--to <repo>', 'local repo id (default: the upstream id)')
    .addOption(new Option('--type <type>', 'repository type (default: model, or what the source names)').choices([...REPO_TYPES]))
    .option('--upstream-token <token>', 'token for the upstream, for gated or private repos')
    .option('--private', 'make a newly created local repo private (it is anyway when the upstream restricts it)')
    .option('--include <pattern>', 'only files matching this glob, e.g. "*Q4_K_M.gguf" (repeatable; `*` crosses folders, as huggingface-cli)', collect, [])
    .option('--exclude <pattern>', 'leave out files matching this glob (repeatable)', collect, [])
    .addHelpText('after', '\nDownloads resume from $MODA_HOME/pull-cache after an interruption; run the same command again.\nWith --include/--exclude, local files outside the selection stay as they are (pull one quantisation, then another).\n')
    .action(async (spec: string, options: PullCommandOptions, command: Command) => {
      const { client, config } = await clientFor(command, io);
      const source = parsePullSource(spec, { hfUpstream: config.hfUpstream, msUpstream: config.msUpstream, type: options.type });
      const upstream = openUpstream(source, { revision: options.revision, token: options.upstreamToken, fetch: io.fetch });
      const events = pullIter({ upstream, local: client, type: source.type, to: options.to, cacheDir: join(config.home, 'pull-cache'), private: options.private, include: options.include, exclude: options.exclude });
      let bar: ProgressBar | undefined;
      const bytesByPath = new Map<string, number>();
      for await (const event of events) {
        switch (event.event) {
          case 'resolved': {
            const count = (kind: string) => event.files.filter((file) => file.source === kind).length;
            const fetch = count('upstream');
            printLine(io.stderr, `${event.upstream}@${event.revision.slice(0, 12)}: ${event.files.length} file(s), ${formatBytes(event.totalBytes)}; ${fetch} to download (${formatBytes(event.downloadBytes)}), ${count('cache')} already downloaded, ${count('repo') + count('store')} already here${event.skippedFiles > 0 ? `; ${event.skippedFiles} left out by --include/--exclude` : ''}`);
            if (fetch > 0) bar = new ProgressBar(io.stderr, 'downloading', event.downloadBytes);
            break;
          }
          case 'phase':
            if (event.phase === 'uploading' || event.phase === 'committing') {
              bar?.finish();
              bar = undefined;
              bytesByPath.clear();
              printLine(io.stderr, event.phase);
            }
            break;
          case 'fileProgress':
            if (event.state === 'downloading') {
              bytesByPath.set(event.path, event.bytes);
              bar?.update([...bytesByPath.values()].reduce((sum, bytes) => sum + bytes, 0));
            }
            break;
          case 'fileDone':
            if (event.source === 'upstream') bar?.line(`fetched ${event.path} (${formatBytes(event.size)})`);
            break;
          case 'namespaceCreated':
            printLine(io.stderr, `created organization ${event.namespace}`);
            break;
          case 'repoCreated':
            printLine(io.stderr, `created ${event.repo}`);
            break;
          case 'done': {
            bar?.finish();
            const { result } = event;
            const prefix = result.type === 'dataset' ? 'datasets/' : '';
            printLine(io.stderr, result.upToDate ? `${prefix}${result.repo} is already up to date with ${result.upstream}` : `pulled ${result.upstream} into ${prefix}${result.repo}${result.private ? ' (private)' : ''}`);
            printLine(io.stdout, result.commitUrl ?? `${client.endpoint}/${prefix}${result.repo}/commit/${result.commitOid}`);
            break;
          }
        }
      }
    });
}
