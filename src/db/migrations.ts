// Schema migrations, written once with Kysely's schema builder so both dialects (SQLite, PostgreSQL)
// get the same tables and indexes.
import { sql, type Kysely, type Migration } from 'kysely';

export const migrations: Record<string, Migration> = {
  '0001-initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('fullname', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('email', 'text')
        .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('memberships')
        .addColumn('org', 'text', (c) => c.notNull().references('users.name').onDelete('cascade'))
        .addColumn('user', 'text', (c) => c.notNull().references('users.name').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('memberships_pk', ['org', 'user'])
        .execute();
      await db.schema
        .createTable('tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user', 'text', (c) => c.notNull().references('users.name').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema
        .createTable('repos')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('namespace', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('private', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('default_branch', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_modified', 'text', (c) => c.notNull())
        .addColumn('sha', 'text')
        .addColumn('downloads', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('likes', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('pipeline_tag', 'text')
        .addColumn('library_name', 'text')
        .addColumn('license', 'text')
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('card_data', 'text')
        .addColumn('config', 'text')
        .addUniqueConstraint('repos_type_key', ['type', 'key'])
        .execute();
      for (const column of ['downloads', 'likes', 'last_modified', 'created_at'] as const) {
        await db.schema.createIndex(`repos_type_${column}`).on('repos').columns(['type', column]).execute();
      }
      await db.schema.createIndex('repos_namespace').on('repos').columns(['namespace']).execute();
      await db.schema.createIndex('repos_pipeline_tag').on('repos').columns(['type', 'pipeline_tag']).execute();
      await db.schema.createIndex('repos_library_name').on('repos').columns(['type', 'library_name']).execute();
      await db.schema
        .createTable('repo_tags')
        .addColumn('repo_id', 'text', (c) => c.notNull().references('repos.id').onDelete('cascade'))
        .addColumn('tag', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('repo_tags_pk', ['tag', 'repo_id'])
        .execute();
      await db.schema.createIndex('repo_tags_repo').on('repo_tags').columns(['repo_id']).execute();
      await db.schema
        .createTable('likes')
        .addColumn('user', 'text', (c) => c.notNull().references('users.name').onDelete('cascade'))
        .addColumn('repo_id', 'text', (c) => c.notNull().references('repos.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('likes_pk', ['user', 'repo_id'])
        .execute();
    },
  },
  // "internal" visibility (readable by any signed-in user) needs a third state; `private` stays as
  // the not-public flag so older queries never widen access. Existing rows keep what they had.
  '0002-repo-visibility': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('repos').addColumn('visibility', 'text', (c) => c.notNull().defaultTo('public')).execute();
      await db.schema.alterTable('repos').addColumn('chinese_name', 'text').execute();
      await sql`update repos set visibility = 'private' where private = 1`.execute(db);
    },
  },
  // Search orders by (column, key) so pages are stable on ties; an index on (type, column) alone
  // made SQLite sort every tie group in a temp b-tree, and could not answer `key like ?` from the
  // index. With key appended, ORDER BY column, key walks the index and stops after the page
  // (bench 4, 100,000 repos: common tag by downloads p99 30 -> 6-9 ms).
  '0003-sort-indexes-with-key': {
    async up(db: Kysely<unknown>) {
      for (const column of ['downloads', 'likes', 'last_modified', 'created_at'] as const) {
        await db.schema.dropIndex(`repos_type_${column}`).execute();
        await db.schema.createIndex(`repos_type_${column}_key`).on('repos').columns(['type', column, 'key']).execute();
      }
    },
  },
  '0004-deployments': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('deployments')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('revision', 'text', (c) => c.notNull())
        .addColumn('commit_sha', 'text', (c) => c.notNull())
        .addColumn('task', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  // Which LFS objects each repo references (any branch or tag, any commit, or uploaded to it):
  // an object is served, linked, named in a new commit or said to exist only through a repo that
  // references it (issue 18, High 1). `lfs_indexed_repos` marks repos whose history written before
  // this table existed has been scanned once (hub/lfs-object-index.ts backfills the rest).
  '0005-lfs-repo-objects': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('lfs_repo_objects')
        .addColumn('repo_id', 'text', (c) => c.notNull().references('repos.id').onDelete('cascade'))
        .addColumn('oid', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('lfs_repo_objects_pk', ['repo_id', 'oid'])
        .execute();
      await db.schema.createIndex('lfs_repo_objects_oid').on('lfs_repo_objects').columns(['oid']).execute();
      await db.schema
        .createTable('lfs_indexed_repos')
        .addColumn('repo_id', 'text', (c) => c.primaryKey().references('repos.id').onDelete('cascade'))
        .execute();
    },
  },
  // Security for a hub on the internet (issue 18), a step of its own: tokens that expire or are
  // limited to named repos, the audit log, and the LFS bytes each namespace has taken (quotas).
  '0006-token-lifecycle-audit-log-storage-quota': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('tokens').addColumn('expires_at', 'text').execute();
      // JSON list of `type:namespace/name` keys; null = every repo the user may use.
      await db.schema.alterTable('tokens').addColumn('repo_scope', 'text').execute();
      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('actor', 'text')
        .addColumn('token_id', 'text')
        .addColumn('address', 'text')
        .addColumn('target', 'text')
        .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await db.schema.createIndex('audit_events_action').on('audit_events').columns(['action', 'id']).execute();
      await db.schema.createIndex('audit_events_actor').on('audit_events').columns(['actor', 'id']).execute();
      await db.schema
        .createTable('namespace_storage')
        .addColumn('namespace', 'text', (c) => c.notNull())
        .addColumn('oid', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('namespace_storage_pk', ['namespace', 'oid'])
        .execute();
    },
  },
  // Deployments record the commit that last loaded and why a load failed (issue 20).
  '0007-deployment-load-state': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('deployments').addColumn('loaded_commit', 'text').execute();
      await db.schema.alterTable('deployments').addColumn('failure', 'text').execute();
      // Rows stored before were loaded at every start; they keep that.
      await sql`update deployments set loaded_commit = commit_sha`.execute(db);
    },
  },
  // Jobs (issue 13): long work with progress, logs, cancel, retry and restart recovery. `runner`
  // names the process running a job (host:pid), so a start-up can tell its own orphans from another
  // replica's live jobs; `run_after` holds a retry's backoff.
  '0008-jobs': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('token_id', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('progress_fraction', 'double precision')
        .addColumn('progress_message', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('finished_at', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('run_after', 'text', (c) => c.notNull())
        .addColumn('runner', 'text')
        .addColumn('pid', 'integer')
        .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('result', 'text')
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('log_lines', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('jobs_state_run_after').on('jobs').columns(['state', 'run_after']).execute();
      await db.schema.createIndex('jobs_owner').on('jobs').columns(['owner', 'id']).execute();
      await db.schema
        .createTable('job_logs')
        .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('line', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('job_logs_pk', ['job_id', 'seq'])
        .execute();
    },
  },
  // Cluster mode (issue 16): every replica and job worker holds a lease row it renews; a member
  // whose lease ran out is dead, so its running jobs are taken over (even when Redis lost their
  // queue entries) and its scratch folders removed, whatever host it ran on.
  '0012-cluster-members': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('cluster_members')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  // Leaderboards (src/evaluation/leaderboards/): benchmarks read from datasets' eval.yaml, results
  // read from model repos (model-index, .eval_results/) keyed by model@commit, and which head of
  // each repo they were last read from.
  '0011-leaderboards': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('benchmarks')
        .addColumn('repo_id', 'text', (c) => c.primaryKey().references('repos.id').onDelete('cascade'))
        .addColumn('head', 'text', (c) => c.notNull())
        .addColumn('spec', 'text')
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('indexed_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('eval_results')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('model_repo_id', 'text', (c) => c.notNull().references('repos.id').onDelete('cascade'))
        .addColumn('model_commit', 'text', (c) => c.notNull())
        .addColumn('found_in', 'text', (c) => c.notNull())
        .addColumn('current', 'integer', (c) => c.notNull())
        .addColumn('benchmark', 'text', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('task_id', 'text')
        .addColumn('config', 'text')
        .addColumn('split', 'text')
        .addColumn('metric', 'text')
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('claims_verified', 'integer', (c) => c.notNull())
        .addColumn('job_id', 'text')
        .addColumn('source_url', 'text')
        .addColumn('source_name', 'text')
        .addColumn('date', 'text', (c) => c.notNull())
        .addColumn('dataset_revision', 'text')
        .execute();
      await db.schema.createIndex('eval_results_benchmark').on('eval_results').columns(['benchmark']).execute();
      await db.schema.createIndex('eval_results_model').on('eval_results').columns(['model_repo_id', 'model_commit']).execute();
      await db.schema
        .createTable('eval_indexed_repos')
        .addColumn('repo_id', 'text', (c) => c.primaryKey().references('repos.id').onDelete('cascade'))
        .addColumn('head', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0018-eval-index-pending': {
    // Which repos the leaderboard index has not caught up with, set by the write that moves a repo's
    // indexed head (reindexRepo) and cleared by the indexer, so a leaderboard read looks up the few
    // pending rows through an index instead of joining every repo with its indexed head. Every
    // existing repo starts pending: the first read indexes what an older server left behind.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('repos').addColumn('eval_pending', 'integer', (c) => c.notNull().defaultTo(1)).execute();
      await db.schema.createIndex('repos_eval_pending').on('repos').columns(['eval_pending']).execute();
    },
  },
};
