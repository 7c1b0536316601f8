// Repo search over the SQL index: text, author, tag filters, task, library and language, sorted and
// paginated by an opaque cursor or an offset. Private repos appear only to those who may read them,
// internal ones to any signed-in user.
import { expressionBuilder, sql, type Expression, type SqlBool } from 'kysely';
import { ModaError } from '../../errors/moda-error.js';
import type { Database, RepoType } from '../../db/schema.js';
import { isScoped, type Actor } from '../actor.js';
import type { HubContext } from '../context.js';
import type { RepoRow } from './repo-record.js';

export const SORT_COLUMNS = {
  downloads: 'downloads',
  likes: 'likes',
  lastModified: 'last_modified',
  createdAt: 'created_at',
  trendingScore: 'likes',
  id: 'key',
} as const;

export type SortKey = keyof typeof SORT_COLUMNS;

export interface SearchQuery {
  type: RepoType;
  search?: string;
  author?: string;
  filters?: string[];
  pipelineTag?: string;
  library?: string;
  language?: string;
  sort?: SortKey;
  direction?: 1 | -1;
  limit?: number;
  cursor?: string;
  /** Rows to skip when no cursor is given (page-number clients). */
  offset?: number;
}

export interface SearchPage {
  rows: RepoRow[];
  nextCursor?: string;
}

export const MAX_PAGE = 1000;

export function parseSort(value: string | undefined): SortKey | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(value in SORT_COLUMNS)) {
    throw new ModaError('VALIDATION_FAILED', `sort must be one of ${Object.keys(SORT_COLUMNS).join(', ')}`);
  }
  return value as SortKey;
}

/**
 * A requested tag held by fewer repos than this drives the query (see searchRepos). Counting stops
 * here, so finding the rarest tag costs at most this many index entries per tag, and a driven query
 * at most this many repo lookups plus a sort of what survives the other filters.
 */
const RARE_TAG_MAX = 5000;

export async function searchRepos(hub: HubContext, actor: Actor, query: SearchQuery): Promise<SearchPage> {
  const limit = Math.min(Math.max(query.limit ?? 100, 1), MAX_PAGE);
  const offset = query.cursor === undefined && query.offset !== undefined ? query.offset : decodeCursor(query.cursor);
  const column = SORT_COLUMNS[query.sort ?? 'id'];
  const order = (query.direction ?? (query.sort ? -1 : 1)) === -1 ? 'desc' : 'asc';
  // Two plans. Without a rare tag, walk the (type, column, key) index in page order and stop after
  // the page: cheap when matches are dense (bench 4, common tag by downloads: p99 30 -> 6-9 ms).
  // With one, that walk may cross most of the index before finding a page (two tags + task by
  // lastModified: p99 370 ms), so start from that tag's few repo_tags rows, filter and sort them
  // (same query: p99 15 ms, p50 6 ms). CROSS JOIN keeps SQLite from reordering the join back to the
  // index walk; PostgreSQL plans it as an inner join from its statistics.
  const rarest = await rarestTag(hub, requestedTags(query));
  const driver = rarest !== undefined && rarest.repos < RARE_TAG_MAX ? rarest.tag : undefined;
  const condition = matching(actor, query, driver);
  const rows =
    driver === undefined
      ? await hub.db
          .selectFrom('repos')
          .selectAll('repos')
          .where(condition)
          .orderBy(`repos.${column}`, order)
          .orderBy('repos.key', order)
          .limit(limit + 1)
          .offset(offset)
          .execute()
      : await hub.db
          .selectFrom('repo_tags as driver')
          .crossJoin('repos')
          .selectAll('repos')
          .where('driver.tag', '=', driver)
          .whereRef('repos.id', '=', 'driver.repo_id')
          .where(condition)
          .orderBy(`repos.${column}`, order)
          .orderBy('repos.key', order)
          .limit(limit + 1)
          .offset(offset)
          .execute();
  const hasMore = rows.length > limit;
  return { rows: rows.slice(0, limit), nextCursor: hasMore ? encodeCursor(offset + limit) : undefined };
}

/** How many repos the caller would page through for this query. */
export async function countRepos(hub: HubContext, actor: Actor, query: SearchQuery): Promise<number> {
  // Counting visits every match whatever the order. Starting from even a common tag beats probing
  // every repo (text-generation, 56,000 repos: 450 ms vs 710 ms), unless a text search rejects most
  // repos first from the key alone (qwen-14b-chat + gguf, 14,000 repos: 15 ms vs 80 ms driven).
  const rarest = await rarestTag(hub, requestedTags(query));
  const driver = rarest !== undefined && (rarest.repos < RARE_TAG_MAX || !query.search) ? rarest.tag : undefined;
  const condition = matching(actor, query, driver);
  const counted =
    driver === undefined
      ? hub.db.selectFrom('repos').where(condition)
      : hub.db
          .selectFrom('repo_tags as driver')
          .crossJoin('repos')
          .where('driver.tag', '=', driver)
          .whereRef('repos.id', '=', 'driver.repo_id')
          .where(condition);
  const { count } = await counted.select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirstOrThrow();
  return Number(count);
}

function requestedTags(query: SearchQuery): string[] {
  return [...new Set([...(query.filters ?? []), ...(query.language ? [query.language] : [])])];
}

/**
 * The requested tag with the fewest repos; `repos` is capped at RARE_TAG_MAX, so among tags that all
 * reach the cap the first one is returned.
 */
async function rarestTag(hub: HubContext, tags: string[]): Promise<{ tag: string; repos: number } | undefined> {
  let rarest: { tag: string; repos: number } | undefined;
  for (const tag of tags) {
    // Capped so a common tag costs RARE_TAG_MAX index entries, not all of its rows.
    const { count } = await hub.db
      .selectFrom((eb) => eb.selectFrom('repo_tags').select('repo_id').where('tag', '=', tag).limit(RARE_TAG_MAX).as('tagged'))
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .executeTakeFirstOrThrow();
    const repos = Number(count);
    if (rarest === undefined || repos < rarest.repos) rarest = { tag, repos };
  }
  return rarest;
}

/**
 * Everything a repo must satisfy, on `repos.*` columns so the same condition serves the plain and
 * the tag-driven query; `driver`, the tag the query starts from, needs no check of its own.
 */
function matching(actor: Actor, query: SearchQuery, driver: string | undefined): Expression<SqlBool> {
  const eb = expressionBuilder<Database, 'repos'>();
  const conditions: Expression<SqlBool>[] = [eb('repos.type', '=', query.type)];
  if (isScoped(actor)) {
    // A fine-grained token sees what anyone sees, plus the repos it names that its user may read.
    const prefix = `${query.type}:`;
    const keys = [...(actor.repoScope ?? [])].filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
    const readable = actor.user === null ? [] : [actor.user, ...actor.orgs.keys()];
    const named = actor.isAdmin ? eb('repos.key', 'in', keys) : eb.and([eb('repos.key', 'in', keys), eb.or([eb('repos.visibility', '=', 'internal'), eb('repos.namespace', 'in', readable)])]);
    conditions.push(keys.length === 0 ? eb('repos.private', '=', 0) : eb.or([eb('repos.private', '=', 0), named]));
  } else if (!actor.isAdmin) {
    const readable = actor.user === null ? [] : [actor.user, ...actor.orgs.keys()];
    // The same rule as canRead: public, internal for anyone signed in, everything of one's namespaces.
    conditions.push(
      actor.user === null
        ? eb('repos.private', '=', 0)
        : eb.or([eb('repos.private', '=', 0), eb('repos.visibility', '=', 'internal'), eb('repos.namespace', 'in', readable)]),
    );
  }
  if (query.search) {
    const pattern = `%${escapeLike(query.search.toLowerCase())}%`;
    conditions.push(sql<SqlBool>`${sql.ref('repos.key')} like ${pattern} escape '\\'`);
  }
  if (query.author) conditions.push(eb('repos.namespace', '=', query.author));
  if (query.pipelineTag) conditions.push(eb('repos.pipeline_tag', '=', query.pipelineTag));
  if (query.library) conditions.push(eb('repos.library_name', '=', query.library));
  // EXISTS per tag, probing the (tag, repo_id) key for one repo at a time: `id IN (SELECT repo_id
  // ...)` made SQLite materialise every repo of a common tag (56,000 for text-generation) per query.
  for (const tag of requestedTags(query)) {
    if (tag === driver) continue;
    conditions.push(
      eb.exists(
        eb
          .selectFrom('repo_tags as t')
          .select(sql.lit(1).as('one'))
          .whereRef('t.repo_id', '=', 'repos.id')
          .where('t.tag', '=', tag),
      ),
    );
  }
  return eb.and(conditions);
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

function decodeCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  try {
    const value = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown }).o;
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  } catch {
    // fall through to the error below
  }
  throw new ModaError('VALIDATION_FAILED', 'invalid pagination cursor');
}
