// `pull`: what `moda pull` does, run on the server: copies a repo from an upstream hub (hf:, ms:,
// moda:) into this hub as one verified commit, through this hub's HTTP API with the owner's rights.
// Downloads are kept in $MODA_HOME/pull-cache, so a retry after a failure, cancel or crash fetches
// only what is missing; nothing becomes visible before the one commit.
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { REPO_TYPES } from '../../client/api-types.js';
import { formatBytes } from '../../cli/format-output.js';
import { openUpstream, parsePullSource } from '../../mirror/parse-pull-source.js';
import { pullIter, type PullResult } from '../../mirror/pull-repo.js';
import { ModaError } from '../../errors/moda-error.js';
import { defineJobType } from '../job-type.js';

export const pullJob = defineJobType({
  type: 'pull',
  description: 'Copy a repo from an upstream hub into this one as one commit (verified, resumable)',
  paramsSchema: Type.Object(
    {
      source: Type.String({ minLength: 1, maxLength: 2048, description: 'hf:<ns>/<name>, ms:<ns>/<name> or moda:<url>/<ns>/<name>; datasets: add datasets/ before <ns>' }),
      revision: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
      to: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'local repo id (default: the upstream id)' })),
      type: Type.Optional(Type.Union(REPO_TYPES.map((type) => Type.Literal(type)))),
      upstreamToken: Type.Optional(Type.String({ maxLength: 4096 })),
      private: Type.Optional(Type.Boolean()),
      include: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { maxItems: 32, description: 'only files matching these globs (`*Q4_K_M.gguf`)' })),
      exclude: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { maxItems: 32, description: 'leave out files matching these globs' })),
    },
    { additionalProperties: false },
  ),
  maxAttempts: 3,
  backoff: { delayMs: 10_000, factor: 3 },
  secretParams: ['upstreamToken'],
  checkParams(params, { isSiteAdmin, config }) {
    const source = parsePullSource(params.source, { hfUpstream: config.hfUpstream, msUpstream: config.msUpstream, type: params.type });
    // hf: and ms: reach the upstreams the operator configured; a moda: URL would let any user make
    // the server fetch any address (its own network included).
    if (source.label.startsWith('moda:') && !isSiteAdmin) throw new ModaError('AUTH_FORBIDDEN', 'a pull job from a moda: URL makes the server fetch that URL: only a site admin may start one (hf: and ms: sources reach the configured upstreams)');
  },
  async run({ params, signal, progress, log, client, hub }) {
    const source = parsePullSource(params.source, { hfUpstream: hub.config.hfUpstream, msUpstream: hub.config.msUpstream, type: params.type });
    const upstream = openUpstream(source, { revision: params.revision, token: params.upstreamToken });
    const events = pullIter({ upstream, local: client, type: source.type, to: params.to, cacheDir: join(hub.config.home, 'pull-cache'), private: params.private, include: params.include, exclude: params.exclude, signal });
    const bytesByPath = new Map<string, number>();
    let downloadBytes = 0;
    let result: PullResult | undefined;
    for await (const event of events) {
      switch (event.event) {
        case 'resolved': {
          downloadBytes = event.downloadBytes;
          const fetched = event.files.filter((file) => file.source === 'upstream').length;
          log(`${event.upstream}@${event.revision.slice(0, 12)}: ${event.files.length} file(s), ${formatBytes(event.totalBytes)}; ${fetched} to download (${formatBytes(event.downloadBytes)})`);
          progress(downloadBytes === 0 ? 0.9 : 0, 'downloading');
          break;
        }
        case 'phase':
          if (event.phase !== 'downloading') progress(event.phase === 'resolving' ? 0 : 0.9, event.phase);
          break;
        case 'fileProgress':
          if (event.state === 'downloading' && downloadBytes > 0) {
            bytesByPath.set(event.path, event.bytes);
            const done = [...bytesByPath.values()].reduce((sum, bytes) => sum + bytes, 0);
            progress(0.9 * Math.min(1, done / downloadBytes), `downloading ${formatBytes(done)} of ${formatBytes(downloadBytes)}`);
          }
          break;
        case 'fileDone':
          log(`${event.source === 'upstream' ? 'fetched' : `have (${event.source})`} ${event.path} (${formatBytes(event.size)})`);
          break;
        case 'namespaceCreated':
          log(`created organization ${event.namespace}`);
          break;
        case 'repoCreated':
          log(`created ${event.repo}`);
          break;
        case 'done':
          result = event.result;
          break;
      }
    }
    if (!result) throw new ModaError('INTERNAL', 'the pull ended without a result');
    const prefix = result.type === 'dataset' ? 'datasets/' : '';
    log(result.upToDate ? `${prefix}${result.repo} is already up to date with ${result.upstream}` : `pulled ${result.upstream} into ${prefix}${result.repo}`);
    return { ...result, commitUrl: result.commitUrl ?? `${client.endpoint}/${prefix}${result.repo}/commit/${result.commitOid}` };
  },
});
