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
  '0005-deployment-load-state': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('deployments').addColumn('loaded_commit', 'text').execute();
      await db.schema.alterTable('deployments').addColumn('failure', 'text').execute();
      // Rows stored before were loaded at every start; they keep that.
      await sql`update deployments set loaded_commit = commit_sha`.execute(db);
    },
  },
};
