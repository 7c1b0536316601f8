// Records a repo whose git directory is already in place: the database insert is the moment it
// becomes visible. Shared by every way a repo comes into being (API create, pull/mirror, bundle import).
import { randomBytes } from 'node:crypto';
import { ModaError } from '../../errors/moda-error.js';
import type { RepoType, RepoVisibility } from '../../db/schema.js';
import type { HubContext } from '../context.js';
import { reindexRepo } from './reindex-repo.js';
import { privateFlag, toRecord, type RepoRecord } from './repo-record.js';

export interface RepoFields {
  type: RepoType;
  namespace: string;
  name: string;
  visibility: RepoVisibility;
  defaultBranch: string;
  chineseName?: string;
  createdAt?: string;
}

export async function recordRepo(hub: HubContext, fields: RepoFields): Promise<RepoRecord> {
  const now = new Date().toISOString();
  const key = `${fields.namespace}/${fields.name}`.toLowerCase();
  const row = {
    id: randomBytes(12).toString('hex'),
    type: fields.type,
    namespace: fields.namespace,
    name: fields.name,
    key,
    private: privateFlag(fields.visibility),
    visibility: fields.visibility,
    chinese_name: fields.chineseName || null,
    default_branch: fields.defaultBranch,
    created_at: fields.createdAt ?? now,
    last_modified: now,
    sha: null,
    downloads: 0,
    likes: 0,
    pipeline_tag: null,
    library_name: null,
    license: null,
    tags: '[]',
    card_data: null,
    config: null,
  };
  try {
    await hub.db.insertInto('repos').values(row).execute();
  } catch (error) {
    // Lost a race with a concurrent create of the same name: the other one owns the folder now.
    const raced = await hub.db.selectFrom('repos').select('id').where('type', '=', fields.type).where('key', '=', key).executeTakeFirst();
    if (raced) throw new ModaError('HUB_REPO_EXISTS', `${fields.type} repo ${fields.namespace}/${fields.name} already exists`, { cause: error });
    throw error;
  } finally {
    hub.caches.repos.clear();
  }
  const record = toRecord(hub, await hub.db.selectFrom('repos').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow());
  await reindexRepo(hub, record);
  return record;
}
