// Hugging Face read API: repo info, search, tree, refs, paths-info and commits, for models and
// datasets. Handlers translate the wire shape and call hub/; they hold no logic of their own.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import { LruCache } from '../../hub/lru-cache.js';
import type { HubContext } from '../../hub/context.js';
import { gitText } from '../../hub/git.js';
import { lastCommits } from '../../hub/last-commits.js';
import { listFiles, listTree, type RepoFile } from '../../hub/list-files.js';
import { checkFolderPath } from '../../hub/paths.js';
import { listRefs, resolveRevision } from '../../hub/refs.js';
import { findRepo, toRecord, type RepoRecord } from '../../hub/repos/repo-record.js';
import { parseSort, searchRepos } from '../../hub/repos/search-repos.js';
import { findRepoOrMirror, resolveRevisionOrMirror } from '../../mirror/find-repo-or-mirror.js';
import { repoInfoJson } from './repo-info.js';
import { flag, list, positiveInt, REPO_KINDS, repoIdOf, type RepoParams } from './repo-route-params.js';

type Query = Record<string, unknown>;

/** Counters that anonymous downloads and likes move: never part of a cache key, added per answer. */
const COUNTERS = ['downloads', 'downloadsAllTime', 'likes'] as const;

interface CachedInfo {
  /** The answer without its counters, serialized. */
  body: string;
  /** Which counters the answer holds (an `expand` may leave them out). */
  counters: (typeof COUNTERS)[number][];
}

/**
 * Serialized repo-info answers: building one means a file list and ~2 KB of JSON per request, and a
 * big repo's file list makes it megabytes, so the cache is bounded by bytes too.
 */
const infoCache = new LruCache<string, CachedInfo>({ name: 'hf-repo-info', maxEntries: 2000, maxBytes: 64 * 1024 ** 2, sizeOf: (info) => 2 * info.body.length });

/** The cached body with the row's current counters in front. */
function withCounters(info: CachedInfo, row: { downloads: number; likes: number }): string {
  if (info.counters.length === 0) return info.body;
  const values = { downloads: row.downloads, downloadsAllTime: row.downloads, likes: row.likes };
  const head = info.counters.map((counter) => `${JSON.stringify(counter)}:${values[counter]}`).join(',');
  return info.body === '{}' ? `{${head}}` : `{${head},${info.body.slice(1)}`;
}

export function registerReadRoutes(app: FastifyInstance, hub: HubContext): void {
  for (const kind of REPO_KINDS) {
    const base = `/api/${kind.api}`;

    app.get(base, async (request, reply) => {
      const query = request.query as Query;
      const limit = positiveInt(query.limit, 'limit', 100, 1000);
      const direction = query.direction === undefined || query.direction === '' ? undefined : Number(query.direction) === 1 ? 1 : -1;
      const page = await searchRepos(hub, request.actor, {
        type: kind.type,
        search: typeof query.search === 'string' ? query.search : undefined,
        author: typeof query.author === 'string' ? query.author : undefined,
        filters: [...list(query.filter), ...list(query['filter[]'])].flatMap((value) => value.split(',')).filter(Boolean),
        pipelineTag: typeof query.pipeline_tag === 'string' ? query.pipeline_tag : undefined,
        library: typeof query.library === 'string' ? query.library : undefined,
        language: typeof query.language === 'string' ? query.language : undefined,
        sort: parseSort(typeof query.sort === 'string' ? query.sort : undefined),
        direction,
        limit,
        cursor: typeof query.cursor === 'string' ? query.cursor : undefined,
      });
      if (page.nextCursor) reply.header('link', `<${nextUrl(request, { cursor: page.nextCursor })}>; rel="next"`);
      const full = flag(query.full);
      const expand = expandOf(query);
      // full=True (huggingface_hub list_models(full=True)) lists each repo's files as the Hub does.
      const filesOf = full || expand.includes('siblings') ? await Promise.all(page.rows.map((row) => (row.sha ? listFiles(toRecord(hub, row).gitDir, row.sha) : []))) : undefined;
      return page.rows.map((row, index) => {
        const info = repoInfoJson(row, { expand: expand.length > 0 ? expand : undefined, files: filesOf?.[index] });
        if (!full && expand.length === 0) delete info.cardData;
        if (!flag(query.cardData) && !full && !expand.includes('cardData')) delete info.cardData;
        return info;
      });
    });

    const info = async (request: FastifyRequest, reply: FastifyReply, revision: string | undefined) => {
      const params = request.params as RepoParams;
      const query = request.query as Query;
      // A repo missing here is imported first when MODA_MIRROR_UPSTREAM is set.
      const repo = await findRepoOrMirror(hub, request.actor, kind.type, repoIdOf(params), revision);
      const rev = revision ?? repo.row.default_branch;
      const { commit } = await resolveRevisionOrMirror(hub, repo, rev);
      const expand = expandOf(query);
      const blobs = flag(query.blobs);
      // Everything the answer depends on: the commit, the row's mutable fields (its name too: a repo
      // can be moved) and the options.
      const row = repo.row;
      // Downloads and likes stay out of the key: every anonymous download would add an entry.
      const key = [row.id, row.namespace, row.name, commit, row.sha, row.private, row.visibility, row.last_modified, blobs, revision === undefined, ...expand].join('\0');
      let cached = infoCache.get(key);
      if (cached === undefined) {
        const { files } = await listTree(repo.gitDir, commit);
        const json = repoInfoJson(row, {
          sha: commit,
          files,
          blobs,
          expand: expand.length > 0 ? expand : undefined,
          lastModified: revision === undefined ? undefined : await commitTime(repo, commit),
        });
        const counters = COUNTERS.filter((counter) => counter in json);
        for (const counter of counters) delete json[counter];
        cached = { body: JSON.stringify(json), counters };
        infoCache.set(key, cached);
      }
      reply.header('x-repo-commit', commit);
      return reply.type('application/json; charset=utf-8').send(withCounters(cached, row));
    };
    app.get(`${base}/:namespace/:name`, (request, reply) => info(request, reply, undefined));
    app.get(`${base}/:namespace/:name/revision/:revision`, (request, reply) => info(request, reply, (request.params as { revision: string }).revision));

    const tree = async (request: FastifyRequest, reply: FastifyReply) => {
      const params = request.params as RepoParams & { revision: string; '*'?: string };
      const query = request.query as Query;
      const repo = await findRepo(hub, request.actor, kind.type, repoIdOf(params));
      const { commit } = await resolveRevision(repo.gitDir, params.revision);
      const folder = checkFolderPath(params['*'] ?? '');
      const recursive = flag(query.recursive);
      const snapshot = await listTree(repo.gitDir, commit);
      if (folder !== '' && !snapshot.directories.some((directory) => directory.path === folder)) {
        reply.header('x-repo-commit', commit);
        throw new ModaError('HUB_ENTRY_NOT_FOUND', `${folder} does not exist on "${params.revision}"`);
      }
      const prefix = folder === '' ? '' : `${folder}/`;
      const inScope = (path: string) => path.startsWith(prefix) && (recursive || !path.slice(prefix.length).includes('/'));
      const entries = [
        ...snapshot.directories.filter((directory) => inScope(directory.path)).map(folderEntry),
        ...snapshot.files.filter((file) => inScope(file.path)).map(treeEntry),
      ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      const limit = positiveInt(query.limit, 'limit', 1000, 10000);
      const offset = cursorOffset(query.cursor);
      const pageEntries = flag(query.expand) ? await withLastCommits(repo, commit, entries.slice(offset, offset + limit)) : entries.slice(offset, offset + limit);
      if (offset + limit < entries.length) {
        reply.header('link', `<${nextUrl(request, { cursor: Buffer.from(String(offset + limit)).toString('base64url') })}>; rel="next"`);
      }
      reply.header('x-repo-commit', commit);
      return pageEntries;
    };
    app.get(`${base}/:namespace/:name/tree/:revision`, tree);
    app.get(`${base}/:namespace/:name/tree/:revision/*`, tree);

    app.get(`${base}/:namespace/:name/refs`, async (request) => {
      const repo = await findRepo(hub, request.actor, kind.type, repoIdOf(request.params as RepoParams));
      const refs = await listRefs(repo.gitDir);
      const shape = (ref: { name: string; ref: string; targetCommit: string }) => ({ name: ref.name, ref: ref.ref, targetCommit: ref.targetCommit });
      return { branches: refs.branches.map(shape), tags: refs.tags.map(shape), converts: [], ...(flag((request.query as Query).include_prs) && { pullRequests: [] }) };
    });

    // huggingface_hub posts a form (`paths=a&paths=b&expand=True`), @huggingface/hub posts JSON.
    void app.register(async (scope) => {
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, text, done) => {
        const form = new URLSearchParams(text as string);
        done(null, { paths: form.getAll('paths'), expand: form.get('expand') ?? undefined });
      });
      scope.post(`${base}/:namespace/:name/paths-info/:revision`, async (request, reply) => {
        const params = request.params as RepoParams & { revision: string };
        const body = (request.body ?? {}) as { paths?: unknown; expand?: unknown };
        const paths = typeof body.paths === 'string' ? [body.paths] : body.paths;
        if (!Array.isArray(paths) || paths.some((path) => typeof path !== 'string')) {
          throw new ModaError('VALIDATION_FAILED', 'paths must be a list of strings');
        }
        const repo = await findRepo(hub, request.actor, kind.type, repoIdOf(params));
        const { commit } = await resolveRevision(repo.gitDir, params.revision);
        const snapshot = await listTree(repo.gitDir, commit);
        const wanted = new Set((paths as string[]).map((path) => checkFolderPath(path)));
        reply.header('x-repo-commit', commit);
        const entries = [...snapshot.files.filter((file) => wanted.has(file.path)).map(treeEntry), ...snapshot.directories.filter((directory) => wanted.has(directory.path)).map(folderEntry)];
        return flag(body.expand) ? withLastCommits(repo, commit, entries) : entries;
      });
    });

    app.get(`${base}/:namespace/:name/commits/:revision`, async (request, reply) => {
      const params = request.params as RepoParams & { revision: string };
      const query = request.query as Query;
      const repo = await findRepo(hub, request.actor, kind.type, repoIdOf(params));
      const { commit } = await resolveRevision(repo.gitDir, params.revision);
      const limit = positiveInt(query.limit, 'limit', 50, 1000);
      const pageIndex = query.p === undefined ? 0 : positiveInt(Number(query.p) + 1, 'p', 1, Number.MAX_SAFE_INTEGER) - 1;
      const log = await gitText(repo.gitDir, ['log', `--skip=${pageIndex * limit}`, `--max-count=${limit + 1}`, '--format=%H%x00%an%x00%at%x00%B%x1e', commit]);
      const commits = log
        .split('\x1e')
        .map((record) => record.replace(/^\n/, ''))
        .filter(Boolean)
        .map((record) => {
          const [id = '', author = '', seconds = '', message = ''] = record.split('\0');
          const [title = '', ...rest] = message.trimEnd().split('\n');
          // ISO 8601 in UTC with `Z`: huggingface_hub's parse_datetime refuses git's `+00:00`.
          return { id, title, message: rest.join('\n').trim(), authors: [{ user: author }], date: new Date(Number(seconds) * 1000).toISOString() };
        });
      if (commits.length > limit) reply.header('link', `<${nextUrl(request, { p: String(pageIndex + 1) })}>; rel="next"`);
      const total = await gitText(repo.gitDir, ['rev-list', '--count', commit]);
      reply.header('x-total-count', total.trim());
      return commits.slice(0, limit);
    });
  }
}

function treeEntry(file: RepoFile) {
  return {
    type: 'file',
    oid: file.blobId,
    size: file.size,
    path: file.path,
    ...(file.lfs && { lfs: { oid: file.lfs.oid, size: file.lfs.size, pointerSize: file.lfs.pointerSize } }),
  };
}

function folderEntry(directory: { oid: string; path: string }): TreeEntry {
  return { type: 'directory', oid: directory.oid, size: 0, path: directory.path };
}

type TreeEntry = { type: string; oid: string; size: number; path: string };

/** `expand`: each entry with the last commit that changed it, as `lastCommit {id, title, date}`. */
async function withLastCommits<T extends TreeEntry>(repo: RepoRecord, commit: string, entries: T[]): Promise<(T & { lastCommit: { id: string; title: string; date: string } })[]> {
  const history = await lastCommits(repo.gitDir, commit);
  return entries.map((entry) => {
    const last = history.paths.get(entry.path) ?? history.head;
    return { ...entry, lastCommit: { id: last.sha, title: last.title, date: new Date(last.time * 1000).toISOString() } };
  });
}

function expandOf(query: Query): string[] {
  return [...list(query.expand), ...list(query['expand[]'])];
}

function cursorOffset(cursor: unknown): number {
  if (cursor === undefined || cursor === '') return 0;
  const offset = Number(Buffer.from(String(cursor), 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(offset) || offset < 0) throw new ModaError('VALIDATION_FAILED', 'invalid pagination cursor');
  return offset;
}

async function commitTime(repo: RepoRecord, commit: string): Promise<string> {
  const seconds = Number((await gitText(repo.gitDir, ['show', '-s', '--format=%ct', commit])).trim());
  return new Date(seconds * 1000).toISOString();
}

/** The same URL with some query parameters replaced, for `Link: rel="next"`. */
export function nextUrl(request: FastifyRequest, replace: Record<string, string>): string {
  const url = new URL(request.url, `${request.protocol}://${request.headers.host ?? 'localhost'}`);
  for (const [key, value] of Object.entries(replace)) url.searchParams.set(key, value);
  return url.toString();
}
