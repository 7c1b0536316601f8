// Repo search over the SQL index: text, author, tag filters, task, library and language, sorted and
// paginated by an opaque cursor or an offset. Private repos appear only to those who may read them,
// internal ones to any signed-in user.
import { sql } from 'kysely';
import { ModaError } from '../../errors/moda-error.js';
import type { RepoType } from '../../db/schema.js';
import type { Actor } from '../actor.js';
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

export async function searchRepos(hub: HubContext, actor: Actor, query: SearchQuery): Promise<SearchPage> {
  const limit = Math.min(Math.max(query.limit ?? 100, 1), MAX_PAGE);
  const offset = query.cursor === undefined && query.offset !== undefined ? query.offset : decodeCursor(query.cursor);
  const select = matching(hub, actor, query).selectAll();
  const column = SORT_COLUMNS[query.sort ?? 'id'];
  const order = (query.direction ?? (query.sort ? -1 : 1)) === -1 ? 'desc' : 'asc';
  const rows = await select.orderBy(column, order).orderBy('key', order).limit(limit + 1).offset(offset).execute();
  const hasMore = rows.length > limit;
  return { rows: rows.slice(0, limit), nextCursor: hasMore ? encodeCursor(offset + limit) : undefined };
}

/** How many repos the caller would page through for this query. */
export async function countRepos(hub: HubContext, actor: Actor, query: SearchQuery): Promise<number> {
  const { count } = await matching(hub, actor, query)
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(count);
}

function matching(hub: HubContext, actor: Actor, query: SearchQuery) {
  let select = hub.db.selectFrom('repos').where('type', '=', query.type);
  if (!actor.isAdmin) {
    const readable = actor.user === null ? [] : [actor.user, ...actor.orgs.keys()];
    // The same rule as canRead: public, internal for anyone signed in, everything of one's namespaces.
    select = select.where((eb) =>
      actor.user === null
        ? eb('private', '=', 0)
        : eb.or([eb('private', '=', 0), eb('visibility', '=', 'internal'), eb('namespace', 'in', readable)]),
    );
  }
  if (query.search) {
    const pattern = `%${escapeLike(query.search.toLowerCase())}%`;
    select = select.where(sql<boolean>`${sql.ref('key')} like ${pattern} escape '\\'`);
  }
  if (query.author) select = select.where('namespace', '=', query.author);
  if (query.pipelineTag) select = select.where('pipeline_tag', '=', query.pipelineTag);
  if (query.library) select = select.where('library_name', '=', query.library);
  const tags = [...(query.filters ?? []), ...(query.language ? [query.language] : [])];
  for (const tag of tags) {
    select = select.where('id', 'in', (eb) => eb.selectFrom('repo_tags').select('repo_id').where('tag', '=', tag));
  }
  return select;
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
