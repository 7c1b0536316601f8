// An upstream that speaks the ModelScope v1 API (modelscope.cn, or a Moda serving it): revisions,
// a recursive file list with each file's Sha256 (and IsLFS), the commits list for the head's
// message, and raw file content with ranges. JSON answers come in the `{Code, Success, Message,
// Data}` envelope, which is checked as the SDK does. Downloads name the revision, as the SDK's do;
// a branch that moves mid-pull cannot mix versions unnoticed, since every file's Sha256 is checked.
import type { FetchFunction } from '../client/moda-client.js';
import { errorFromFetchFailure, errorFromResponse } from '../client/response-error.js';
import { isModaError, ModaError } from '../errors/moda-error.js';
import { COMMIT_SHA } from '../hub/paths.js';
import { checkUpstreamFiles, fromUpstream, type Upstream, type UpstreamFile, type UpstreamOptions, type UpstreamSnapshot } from './upstream.js';

interface MsEnvelope<T> {
  Code?: unknown;
  Success?: unknown;
  Message?: unknown;
  Data?: T;
}

interface MsFile {
  Path?: unknown;
  Name?: unknown;
  Type?: unknown;
  Size?: unknown;
  Sha256?: unknown;
  IsLFS?: unknown;
  CommitMessage?: unknown;
  CommittedDate?: unknown;
}

/** Dataset tree entries asked for per page (the SDK asks for 100; fewer requests for large sets). */
const PAGE_SIZE = 500;
/** ModelScope's public visibility; 1 is private and 3 internal. */
const PUBLIC = 5;

function segment(value: string): string {
  return encodeURIComponent(value);
}

export function msUpstream(options: UpstreamOptions & { label: string; pageSize?: number }): Upstream {
  const { label, repo, type } = options;
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const fetchFunction: FetchFunction = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const [owner = '', name = ''] = repo.split('/');
  const base = `${endpoint}/api/v1/${type === 'dataset' ? 'datasets' : 'models'}/${segment(owner)}/${segment(name)}`;

  const send = async (url: string, init: { signal?: AbortSignal; headers?: Record<string, string> }, what: string): Promise<Response> => {
    // The SDK authenticates with the session cookie and always names itself; some gateways insist.
    const headers: Record<string, string> = { 'user-agent': 'modelscope/1.0 (moda pull)', ...init.headers };
    if (options.token) headers.cookie = `m_session_id=${options.token}`;
    let response: Response;
    try {
      response = await fetchFunction(url, { headers, signal: init.signal });
    } catch (error) {
      throw errorFromFetchFailure(error, url, init.signal);
    }
    if (!response.ok) throw await errorFromResponse(response, what);
    return response;
  };

  const data = async <T>(url: string, signal: AbortSignal | undefined, what: string): Promise<T> => {
    const response = await send(url, { signal, headers: { accept: 'application/json' } }, what);
    const body = (await response.json().catch(() => undefined)) as MsEnvelope<T> | undefined;
    if (!body || typeof body !== 'object') throw new ModaError('UPSTREAM_INVALID_RESPONSE', `${what}: not a ModelScope JSON answer`);
    if (body.Success === false || (typeof body.Code === 'number' && body.Code !== 200)) {
      const message = typeof body.Message === 'string' && body.Message ? body.Message : `code ${String(body.Code)}`;
      throw new ModaError(body.Code === 404 ? 'HUB_REPO_NOT_FOUND' : 'UPSTREAM_INVALID_RESPONSE', `${what}: ${message}`);
    }
    if (body.Data === undefined || body.Data === null) throw new ModaError('UPSTREAM_INVALID_RESPONSE', `${what}: the answer has no Data`);
    return body.Data;
  };

  const defaultRevision = async (signal?: AbortSignal): Promise<string> => {
    if (type === 'dataset') return 'master';
    const revisions = await data<{ RevisionMap?: { Branches?: { Revision?: unknown }[] } }>(`${base}/revisions`, signal, `listing the revisions of ${label}`);
    const branches = (revisions.RevisionMap?.Branches ?? []).map((branch) => branch.Revision).filter((name): name is string => typeof name === 'string');
    return ['master', 'main'].find((name) => branches.includes(name)) ?? branches[0] ?? 'master';
  };

  const listFiles = async (revision: string, signal?: AbortSignal): Promise<{ files: MsFile[]; commit?: string }> => {
    const query = (extra: Record<string, string>) => new URLSearchParams({ Revision: revision, Recursive: 'True', ...extra }).toString();
    const commitOf = (value: unknown) => (typeof value === 'string' && COMMIT_SHA.test(value) ? value : undefined);
    if (type === 'model') {
      const answer = await data<{ Files?: MsFile[]; Revision?: unknown }>(`${base}/repo/files?${query({})}`, signal, `listing the files of ${label}`);
      return { files: answer.Files ?? [], commit: commitOf(answer.Revision) };
    }
    // Datasets are listed by their numeric id, a page at a time.
    const info = await data<{ Id?: unknown }>(base, signal, `reading ${label}`);
    if (typeof info.Id !== 'number' && typeof info.Id !== 'string') throw new ModaError('UPSTREAM_INVALID_RESPONSE', `${label} did not say its dataset id`);
    const files: MsFile[] = [];
    const seen = new Set<string>();
    for (let page = 1; ; page++) {
      const url = `${endpoint}/api/v1/datasets/${segment(String(info.Id))}/repo/tree?${query({ Root: '', PageNumber: String(page), PageSize: String(pageSize) })}`;
      const answer = await data<{ Files?: MsFile[]; TotalCount?: unknown; Revision?: unknown }>(url, signal, `listing the files of ${label} (page ${page})`);
      const batch = Array.isArray(answer.Files) ? answer.Files : [];
      // A hub that ignores PageNumber would send page 1 forever: a page of nothing new ends it loudly.
      const fresh = batch.filter((file) => !seen.has(String(file.Path ?? file.Name)));
      if (batch.length > 0 && fresh.length === 0) throw new ModaError('UPSTREAM_INVALID_RESPONSE', `${label}: page ${page} of the file list repeats earlier pages`);
      for (const file of fresh) seen.add(String(file.Path ?? file.Name));
      files.push(...fresh);
      // TotalCount says when the list is complete; without it, a short page is the last one (a hub
      // may cap PageSize below what was asked, so a short page alone does not end a counted list).
      const total = typeof answer.TotalCount === 'number' ? answer.TotalCount : undefined;
      const complete = batch.length === 0 || (total !== undefined ? files.length >= total : batch.length < pageSize);
      if (complete) {
        if (total !== undefined && files.length !== total) {
          throw new ModaError('UPSTREAM_INVALID_RESPONSE', `${label}: the file list has ${files.length} entries but TotalCount says ${total}`);
        }
        return { files, commit: commitOf(answer.Revision) };
      }
    }
  };

  /** Title and body of the revision's head commit, from the commits list when the hub has one. */
  const headMessage = async (revision: string, files: MsFile[], signal?: AbortSignal): Promise<{ title: string; message: string }> => {
    try {
      const answer = await data<{ Commit?: { Title?: unknown; Message?: unknown }[] }>(
        `${base}/commits?${new URLSearchParams({ Ref: revision, PageNumber: '1', PageSize: '1' }).toString()}`,
        signal,
        `reading the head commit of ${label}`,
      );
      const head = answer.Commit?.[0];
      if (head && typeof head.Title === 'string') {
        // Message is the whole commit message; keep only what follows the title.
        const full = typeof head.Message === 'string' ? head.Message.trim() : '';
        return { title: head.Title, message: full.startsWith(head.Title) ? full.slice(head.Title.length).trim() : full };
      }
    } catch (error) {
      if (isModaError(error) && error.code === 'UPSTREAM_UNAVAILABLE') throw error;
      // No commits route on this hub: fall back to the per-file messages below.
    }
    const newest = files
      .filter((file) => typeof file.CommitMessage === 'string' && file.CommitMessage !== '')
      .sort((a, b) => Number(b.CommittedDate ?? 0) - Number(a.CommittedDate ?? 0))[0];
    const [title = '', ...body] = typeof newest?.CommitMessage === 'string' ? newest.CommitMessage.trim().split('\n') : [];
    return { title, message: body.join('\n').trim() };
  };

  return {
    label,
    async snapshot(signal) {
      return fromUpstream(
        label,
        async (): Promise<UpstreamSnapshot> => {
          const info = await data<{ Visibility?: unknown }>(base, signal, `reading ${label}`);
          const revision = options.revision ?? (await defaultRevision(signal));
          const listing = await listFiles(revision, signal);
          const listed = listing.files.filter((file) => file.Type !== 'tree');
          const files = checkUpstreamFiles(
            label,
            listed.map((file): UpstreamFile => {
              const path = typeof file.Path === 'string' ? file.Path : typeof file.Name === 'string' ? file.Name : '';
              return {
                path,
                size: typeof file.Size === 'number' ? file.Size : Number(file.Size),
                ...(typeof file.Sha256 === 'string' && file.Sha256 !== '' && { sha256: file.Sha256.toLowerCase() }),
                ...(typeof file.IsLFS === 'boolean' && { lfs: file.IsLFS }),
              };
            }),
          );
          const { title, message } = await headMessage(revision, listed, signal);
          return {
            label,
            type,
            repo,
            revision,
            ...(listing.commit && { commit: listing.commit }),
            title,
            message,
            restricted: options.token ? info.Visibility !== PUBLIC : false,
            files,
          };
        },
        signal,
      );
    },
    fetchFile(snapshot, path, range, signal) {
      const query = new URLSearchParams({ ...(type === 'dataset' && { Source: 'SDK' }), Revision: snapshot.revision, FilePath: path });
      const headers: Record<string, string> = {};
      if (range) headers.range = `bytes=${range.start}-${range.end ?? ''}`;
      return send(`${base}/repo?${query.toString()}`, { signal, headers }, `downloading ${path} from ${label}`);
    },
  };
}
