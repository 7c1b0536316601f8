// Table types of the metadata database. Git holds repo content; SQL holds what git cannot answer
// fast: users, tokens, the search index of repos, counters. Booleans are 0/1 integers and times
// ISO-8601 strings so the same queries run on SQLite and PostgreSQL.
import type { Generated } from 'kysely';

export interface UsersTable {
  name: string;
  type: 'user' | 'org';
  fullname: string;
  email: string | null;
  is_admin: number;
  created_at: string;
}

export interface MembershipsTable {
  org: string;
  user: string;
  role: MemberRole;
}

export type MemberRole = 'admin' | 'write' | 'read';
export type TokenRole = 'read' | 'write' | 'admin';

export interface TokensTable {
  id: string;
  user: string;
  name: string;
  role: TokenRole;
  /** sha256 of the token: the token itself is shown once and never stored. */
  hash: string;
  created_at: string;
  last_used_at: string | null;
  /** When the token stops working; null = never. Optional: rows from before it existed have null. */
  expires_at?: string | null;
  /** JSON list of `type:namespace/name` keys the token is limited to; null = not limited. */
  repo_scope?: string | null;
}

export interface ReposTable {
  id: string;
  type: RepoType;
  namespace: string;
  name: string;
  /** `namespace/name`, lower-cased: the key for lookups and substring search. */
  key: string;
  /** 1 for anything not public: code that knows only public/private keeps internal repos closed. */
  private: number;
  /**
   * Tells internal from private among non-public repos (see visibilityOf). Optional because rows
   * written by code that knows only `private` get the column's default.
   */
  visibility?: RepoVisibility;
  /** Display name shown beside the id (ModelScope's `ChineseName`). */
  chinese_name?: string | null;
  default_branch: string;
  created_at: string;
  last_modified: string;
  /** Head of the default branch the index below was built from. */
  sha: string | null;
  downloads: number;
  likes: number;
  pipeline_tag: string | null;
  library_name: string | null;
  license: string | null;
  /** JSON arrays / objects, as text. */
  tags: string;
  card_data: string | null;
  config: string | null;
  /** 1 while the leaderboard index has not read the head in `sha` (set with `sha`, cleared by the indexer); optional: the column's default. */
  eval_pending?: number;
}

export type RepoType = 'model' | 'dataset';

/** public: anyone; internal: any signed-in user; private: the namespace's members and site admins. */
export type RepoVisibility = 'public' | 'internal' | 'private';

export interface RepoTagsTable {
  repo_id: string;
  tag: string;
}

export interface LikesTable {
  user: string;
  repo_id: string;
  created_at: string;
}

/** A pinned model@commit served with its own batching settings (settings: JSON). */
export interface DeploymentsTable {
  name: string;
  model: string;
  revision: string;
  commit_sha: string;
  task: string;
  settings: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  /** The commit this deployment last loaded successfully; a start-up restore loads only that commit. */
  loaded_commit: string | null;
  /** JSON {commit, code, message} of the last failed load; MODEL_QUARANTINED keeps it unloaded until redeployed. */
  failure: string | null;
}

/** A security-relevant event (sign-ins, tokens, visibility, members, deletions, pushes, deployments). Never a secret. */
export interface AuditEventsTable {
  /** Time-ordered: the ISO time, then random hex, so ids sort as the events happened. */
  id: string;
  at: string;
  action: string;
  actor: string | null;
  token_id: string | null;
  address: string | null;
  target: string | null;
  /** JSON object. */
  details: string;
}

/** One LFS object charged to a namespace's storage quota (once per namespace, however many repos use it). */
export interface NamespaceStorageTable {
  namespace: string;
  oid: string;
  /** bigint: PostgreSQL answers it as a string. */
  size: number | string;
  created_at: string;
}

/** An LFS object a repo references (a pointer in its history, or an upload to it). */
export interface LfsRepoObjectsTable {
  repo_id: string;
  oid: string;
}

/** Repos whose pre-existing history has been scanned into lfs_repo_objects. */
export interface LfsIndexedReposTable {
  repo_id: string;
}

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** One job (src/jobs/): params and result are JSON text; times ISO-8601. */
export interface JobsTable {
  /** Time-ordered (base-36 time, then random), so ids sort as the jobs were created. */
  id: string;
  type: string;
  params: string;
  /** The user the job acts as. */
  owner: string;
  /** The token that created the job: the job runs with that token's rights; null = the system (start-up import). */
  token_id: string | null;
  state: JobState;
  progress_fraction: number | null;
  progress_message: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  attempts: number;
  max_attempts: number;
  /** A queued job is not claimed before this time (retry backoff). */
  run_after: string;
  /** `host:pid` of the server process running it. */
  runner: string | null;
  /** The job process, so a start after a crash can stop one that outlived its server. */
  pid: number | null;
  cancel_requested: number;
  result: string | null;
  error_code: string | null;
  error_message: string | null;
  /** Lines in job_logs, so the next line's seq needs no query. */
  log_lines: number;
}

export interface JobLogsTable {
  job_id: string;
  seq: number;
  at: string;
  line: string;
}

/** A dataset whose root holds eval.yaml: its parsed spec (JSON) or why it is not a valid benchmark. */
export interface BenchmarksTable {
  repo_id: string;
  /** The dataset commit the spec was read from. */
  head: string;
  spec: string | null;
  error_code: string | null;
  error_message: string | null;
  indexed_at: string;
}

/** One number a model repo states (model-index or .eval_results/), keyed by the model commit it describes. */
export interface EvalResultsTable {
  /** sha256 of the key fields, so reading the same head twice writes the same rows. */
  id: string;
  model_repo_id: string;
  /** The last commit that changed the model itself (not README.md or .eval_results/): what was evaluated. */
  model_commit: string;
  /** The head of the default branch the result was read from. */
  found_in: string;
  /** 1 while model_commit is the repo's current model commit; 0 = an older revision. */
  current: number;
  /** The benchmark dataset id, lower-cased. */
  benchmark: string;
  origin: 'model-index' | 'eval-results';
  task_id: string | null;
  config: string | null;
  split: string | null;
  /** null: the benchmark task's own metric. */
  metric: string | null;
  value: number;
  claims_verified: number;
  job_id: string | null;
  source_url: string | null;
  source_name: string | null;
  date: string;
  dataset_revision: string | null;
}

/** The head each repo's benchmark spec or results were last read from. */
export interface EvalIndexedReposTable {
  repo_id: string;
  head: string;
}

export interface MigrationsMarker {
  id: Generated<number>;
}

export interface Database {
  users: UsersTable;
  memberships: MembershipsTable;
  tokens: TokensTable;
  repos: ReposTable;
  repo_tags: RepoTagsTable;
  likes: LikesTable;
  deployments: DeploymentsTable;
  audit_events: AuditEventsTable;
  namespace_storage: NamespaceStorageTable;
  lfs_repo_objects: LfsRepoObjectsTable;
  lfs_indexed_repos: LfsIndexedReposTable;
  jobs: JobsTable;
  job_logs: JobLogsTable;
  cluster_members: ClusterMembersTable;
  benchmarks: BenchmarksTable;
  eval_results: EvalResultsTable;
  eval_indexed_repos: EvalIndexedReposTable;
}

/** A live replica or job worker of a cluster (src/cluster/member-lease.ts); ISO times. */
export interface ClusterMembersTable {
  /** `host:pid:random`: a job queue's runner id, or a server's scratch owner id. */
  id: string;
  role: string;
  started_at: string;
  /** Renewed every third of MODA_CLUSTER_LEASE; past it, the member is taken for dead. */
  expires_at: string;
}
