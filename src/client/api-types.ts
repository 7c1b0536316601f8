// The wire shapes the Moda server answers with, as the client sees them. They mirror the Hugging Face
// Hub JSON (ModelInfo, whoami-v2, refs) plus Moda's own account API.

export type RepoType = 'model' | 'dataset';
export type TokenRole = 'read' | 'write' | 'admin';
export type MemberRole = 'admin' | 'write' | 'read';

export const REPO_TYPES: readonly RepoType[] = ['model', 'dataset'];
export const TOKEN_ROLES: readonly TokenRole[] = ['read', 'write', 'admin'];
export const MEMBER_ROLES: readonly MemberRole[] = ['admin', 'write', 'read'];

export interface WhoAmI {
  type: 'user';
  id: string;
  name: string;
  fullname: string;
  email: string | null;
  isAdmin: boolean;
  orgs: { type: 'org'; name: string; fullname: string; roleInOrg: MemberRole }[];
  auth: { type: string; accessToken: { displayName: string; role: string; scope: string } };
}

export interface RepoSibling {
  rfilename: string;
  /** Present when asked with `blobs=true`. */
  size?: number;
  /** git blob sha1 (of the pointer, for LFS files). */
  blobId?: string;
  lfs?: { sha256: string; size: number; pointerSize: number };
}

export interface RepoInfo {
  _id: string;
  id: string;
  author: string;
  sha: string;
  lastModified: string;
  createdAt: string;
  private: boolean;
  downloads: number;
  likes: number;
  tags: string[];
  pipeline_tag?: string;
  library_name?: string;
  cardData?: Record<string, unknown>;
  siblings?: RepoSibling[];
  usedStorage?: number;
}

/** One row of `GET /api/{type}s/{repo}/tree/{revision}`. */
export interface TreeEntry {
  type: 'file' | 'directory';
  path: string;
  size: number;
  oid: string;
  lfs?: { oid: string; size: number; pointerSize?: number };
}

export type JsonSchema = { [keyword: string]: unknown };

/** A task of the catalog, as `GET /api/tasks` lists it. */
export interface TaskSummary {
  id: string;
  modality: string;
  title: string;
  titleZh: string;
  description: string;
}

/** A task with its schemas, as `GET /api/tasks/{task}` answers. */
export interface TaskDetail extends TaskSummary {
  input: JsonSchema;
  parameters: JsonSchema;
  output: JsonSchema;
  example?: { input?: unknown; parameters?: Record<string, unknown>; output?: unknown };
}

export interface CreatedRepo {
  url: string;
  name: string;
  id: string;
}

export interface RefInfo {
  name: string;
  ref: string;
  targetCommit: string;
}

export interface RepoRefs {
  branches: RefInfo[];
  tags: RefInfo[];
}

export interface TokenInfo {
  id: string;
  user: string;
  name: string;
  role: TokenRole;
  createdAt: string;
  lastUsedAt: string | null;
  /** null = never expires. */
  expiresAt: string | null;
  expired: boolean;
  /** Repos a fine-grained token is limited to (`ns/name`, `datasets/ns/name`); null = not limited. */
  repos: string[] | null;
}

/** One entry of the audit log (`GET /api/admin/audit`). */
export interface AuditEvent {
  id: string;
  at: string;
  action: string;
  actor: string | null;
  tokenId: string | null;
  address: string | null;
  target: string | null;
  details: Record<string, unknown>;
}

export interface AuditPage {
  events: AuditEvent[];
  /** Pass as `before` for the next (older) page; null on the last. */
  next: string | null;
}

export interface CreatedToken extends TokenInfo {
  /** The secret, shown only once. */
  token: string;
}

export interface NamespaceInfo {
  name: string;
  type: 'user' | 'org';
  fullname: string;
  email: string | null;
  isAdmin: boolean;
  createdAt: string;
}

export type SearchSort = 'downloads' | 'likes' | 'lastModified' | 'createdAt' | 'trendingScore' | 'id';
export const SEARCH_SORTS: readonly SearchSort[] = ['downloads', 'likes', 'lastModified', 'createdAt', 'trendingScore', 'id'];

export interface SearchQuery {
  type?: RepoType;
  search?: string;
  author?: string;
  /** Tags every result must carry. */
  filter?: string[];
  /** pipeline_tag, e.g. `text-classification`. */
  task?: string;
  sort?: SearchSort;
  /** 1 ascending, -1 descending (the server's default for a sort key is descending). */
  direction?: 1 | -1;
  /** Most results returned in all (pages are followed until then); default 100. */
  limit?: number;
  signal?: AbortSignal;
}

export interface PreuploadFile {
  path: string;
  size: number;
  /** First 512 bytes, which let the server spot binary content. */
  sample: Uint8Array;
}

export interface PreuploadAnswer {
  files: { path: string; uploadMode: 'lfs' | 'regular'; shouldIgnore: boolean; oid?: string }[];
  commitOid: string;
}

export interface LfsAction {
  href: string;
  header?: Record<string, string>;
  expires_in?: number;
}

export interface LfsBatchObject {
  oid: string;
  size: number;
  authenticated?: boolean;
  actions?: { upload?: LfsAction; verify?: LfsAction; download?: LfsAction };
  error?: { code: number; message: string };
}

export interface LfsBatchAnswer {
  transfer?: string;
  objects: LfsBatchObject[];
}

/** One line of an NDJSON commit (besides the header). */
export type CommitOperation =
  | { kind: 'file'; path: string; content: Uint8Array }
  | { kind: 'lfsFile'; path: string; oid: string; size: number }
  | { kind: 'deletedFile'; path: string }
  | { kind: 'deletedFolder'; path: string };

export interface CommitResult {
  commitOid: string;
  commitUrl: string;
}

export interface DeploymentBatching {
  max_batch_size?: number | 'auto';
  max_queue_delay_ms?: number;
  max_queue?: number;
}

/** The most model instances one deployment may run at once; the server refuses more. */
export const DEPLOYMENT_MAX_CONCURRENCY = 16;

export interface DeploymentRequest {
  model: string;
  name?: string;
  revision?: string;
  task?: string;
  batching?: DeploymentBatching;
  required?: boolean;
  /** Model instances running batches at once (1 to DEPLOYMENT_MAX_CONCURRENCY); `auto`: the server's choice. */
  max_concurrency?: number | 'auto';
  /** `forever` (default), a duration (`30s`, `10m`, `1h`) or seconds: idle time before the model is unloaded. */
  keep_alive?: number | string;
}

export interface DeploymentInfo {
  name: string;
  model: string;
  revision: string;
  commit: string;
  task: string;
  /** `idle`: unloaded after its keep_alive; the next request loads it again. */
  state: 'loading' | 'ready' | 'idle' | 'failed';
  error?: { code: string; message: string };
  batching: { max_batch_size: number | 'auto'; effective_batch_size?: number; max_queue_delay_ms: number; max_queue: number };
  calibration?: { chosen: number; points: { batch_size: number; items_per_second: number }[]; error?: string };
  required: boolean;
  max_concurrency: number | 'auto';
  /** `forever`, or the idle time before the model is unloaded (`300s`). */
  keep_alive: string;
  /** When the model is unloaded unless a request comes first (finite keep_alive, loaded now). */
  expires_at?: string;
  /** Instances loaded now; absent while the model is not loaded. */
  instances?: number;
  memory_bytes?: number;
  load_ms?: number;
  /** GGUF models (llama.cpp): the quantisation served, its sequences (continuous batching) and the KV cache they hold; absent while not loaded. */
  llm?: { quant: string; file: string; sequences: number; sequences_in_use: number; queued: number; context_length: number; kv_cache_bytes: number };
  endpoint: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** One NDJSON line of a deployment being created or updated. */
export type DeploymentProgress =
  | { status: 'resolving' | 'materializing' | 'loading' | 'calibrating'; deployment: string }
  | { status: 'ready' | 'failed'; deployment: DeploymentInfo }
  | { status: 'error'; error: { code: string; message: string } };

/** `/datasets-server/splits`: the splits of every config (and those that failed to read). */
export interface DatasetSplits {
  splits: { dataset: string; config: string; split: string }[];
  pending: unknown[];
  failed: { dataset: string; config: string; split: string; error: { error: string; code: string } }[];
}

/** `/datasets-server/rows` (and search, filter): a page in the Hugging Face dataset viewer's shape. */
export interface DatasetRowsPage {
  features: { feature_idx: number; name: string; type: Record<string, unknown> }[];
  rows: { row_idx: number; row: Record<string, unknown>; truncated_cells: string[] }[];
  num_rows_total: number;
  num_rows_per_page: number;
  partial: boolean;
}

/** `/datasets-server/statistics`: per column, in the Hugging Face viewer's shape. */
export interface DatasetStatistics {
  num_examples: number;
  statistics: { column_name: string; column_type: 'int' | 'float' | 'bool' | 'class_label' | 'string_label' | 'string_text' | 'list'; column_statistics: Record<string, unknown> }[];
  partial: boolean;
}

/** `POST /datasets-server/sql`. */
export interface DatasetSqlResult {
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  num_rows: number;
  partial: boolean;
}

export interface DatasetViewOptions {
  config?: string;
  revision?: string;
  signal?: AbortSignal;
}
