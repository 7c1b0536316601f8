// An upstream that speaks the Hugging Face Hub API (huggingface.co, another Moda): repo info with
// `blobs=true` lists every file with its size and digest (LFS sha256 or git blob sha1), the commits
// route gives the head commit's message, and `resolve/{commit}/{path}` serves content with ranges.
import { ModaClient } from '../client/moda-client.js';
import { ModaError } from '../errors/moda-error.js';
import { COMMIT_SHA } from '../hub/paths.js';
import { checkUpstreamFiles, fromUpstream, type Upstream, type UpstreamFile, type UpstreamOptions, type UpstreamSnapshot } from './upstream.js';

interface HfSibling {
  rfilename?: unknown;
  size?: unknown;
  blobId?: unknown;
  lfs?: { sha256?: unknown; size?: unknown } | null;
}

interface HfInfo {
  sha?: unknown;
  private?: unknown;
  gated?: unknown;
  siblings?: HfSibling[];
}

interface HfCommit {
  title?: unknown;
  message?: unknown;
  date?: unknown;
}

function siblingFile(label: string, sibling: HfSibling): UpstreamFile {
  const path = sibling.rfilename;
  if (typeof path !== 'string') throw new ModaError('UPSTREAM_INVALID_RESPONSE', `${label} lists a file without a name`);
  if (typeof sibling.size !== 'number') {
    throw new ModaError('UPSTREAM_INVALID_RESPONSE', `${label} does not give the size of ${path} (no blobs=true support?)`);
  }
  if (sibling.lfs && typeof sibling.lfs.sha256 === 'string') {
    return { path, size: sibling.size, sha256: sibling.lfs.sha256, lfs: true };
  }
  if (typeof sibling.blobId !== 'string') throw new ModaError('UPSTREAM_INVALID_RESPONSE', `${label} does not give the blob id of ${path}`);
  return { path, size: sibling.size, gitSha1: sibling.blobId, lfs: false };
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export function hfUpstream(options: UpstreamOptions & { label: string }): Upstream {
  const { label, repo, type } = options;
  const client = new ModaClient({ endpoint: options.endpoint, token: options.token, fetch: options.fetch });
  const apiPath = client.apiRepoPath(repo, type);

  const readInfo = (source: ModaClient, signal?: AbortSignal) => {
    const path = options.revision === undefined ? apiPath : `${apiPath}/revision/${encodeURIComponent(options.revision)}`;
    return source.requestJson<HfInfo>(`${path}?blobs=true`, { signal, what: `reading ${label}` });
  };

  return {
    label,
    async snapshot(signal) {
      return fromUpstream(
        label,
        async (): Promise<UpstreamSnapshot> => {
          const info = await readInfo(client, signal);
          if (typeof info.sha !== 'string' || !COMMIT_SHA.test(info.sha)) throw new ModaError('UPSTREAM_INVALID_RESPONSE', `${label} did not say its commit sha`);
          const commit = info.sha;
          const files = checkUpstreamFiles(label, (info.siblings ?? []).map((sibling) => siblingFile(label, sibling)));
          const commits = await client.requestJson<HfCommit[]>(`${apiPath}/commits/${commit}?limit=1`, { signal, what: `reading the head commit of ${label}` });
          const head = Array.isArray(commits) ? commits[0] : undefined;
          // A repo is unrestricted only if an anonymous client gets it too (not private, not gated).
          let restricted = info.private === true || (info.gated !== undefined && info.gated !== false);
          if (!restricted && client.token) {
            restricted = await readInfo(client.withToken(undefined), signal).then(
              (anonymous) => anonymous.gated !== undefined && anonymous.gated !== false,
              () => true,
            );
          }
          const date = typeof head?.date === 'string' ? new Date(head.date) : undefined;
          return {
            label,
            type,
            repo,
            revision: commit,
            commit,
            title: typeof head?.title === 'string' ? head.title : '',
            message: typeof head?.message === 'string' ? head.message : '',
            date: date && !Number.isNaN(date.getTime()) ? date : undefined,
            restricted,
            files,
          };
        },
        signal,
      );
    },
    fetchFile(snapshot, path, range, signal) {
      const headers: Record<string, string> = {};
      if (range) headers.range = `bytes=${range.start}-${range.end ?? ''}`;
      const url = `${client.webRepoPath(repo, type)}/resolve/${encodeURIComponent(snapshot.revision)}/${encodePath(path)}`;
      return client.request(url, { headers, signal, what: `downloading ${path} from ${label}` });
    },
  };
}
