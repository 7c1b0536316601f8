// Users and organizations share one namespace table; organizations have members with roles.
import { ModaError } from '../../errors/moda-error.js';
import type { MemberRole } from '../../db/schema.js';
import { canAdminNamespace, isSiteAdmin, requireWriteToken, type Actor } from '../actor.js';
import { recordAuditEvent } from '../audit/record-audit-event.js';
import type { HubContext } from '../context.js';
import { isValidUserName } from '../paths.js';
import { isReservedNamespaceName } from './reserved-names.js';

export interface UserInfo {
  name: string;
  type: 'user' | 'org';
  fullname: string;
  email: string | null;
  isAdmin: boolean;
  createdAt: string;
}

export const MEMBER_ROLES: MemberRole[] = ['admin', 'write', 'read'];

async function insertNamespace(hub: HubContext, row: { name: string; type: 'user' | 'org'; fullname?: string; email?: string | null; isAdmin?: boolean }): Promise<UserInfo> {
  if (!isValidUserName(row.name)) {
    throw new ModaError('VALIDATION_FAILED', `"${row.name}" is not a valid name: 1-39 letters, digits or single hyphens, not ending in "-"`);
  }
  if (isReservedNamespaceName(row.name)) throw new ModaError('VALIDATION_FAILED', `"${row.name}" is reserved for the site's own pages; choose another name`);
  const taken = await hub.db.selectFrom('users').select('name').where((eb) => eb(eb.fn('lower', ['name']), '=', row.name.toLowerCase())).executeTakeFirst();
  if (taken) throw new ModaError('HUB_NAME_TAKEN', `the name "${row.name}" is taken`);
  const values = {
    name: row.name,
    type: row.type,
    fullname: row.fullname ?? '',
    email: row.email ?? null,
    is_admin: row.isAdmin ? 1 : 0,
    created_at: new Date().toISOString(),
  };
  await hub.db.insertInto('users').values(values).execute();
  return toUserInfo(values);
}

/**
 * Creates the `admin` user at first start; later starts leave it as it is. Replicas of a cluster
 * starting together on a fresh database may race here: the insert that loses does nothing.
 */
export async function ensureAdminUser(hub: HubContext): Promise<void> {
  await hub.db
    .insertInto('users')
    .values({ name: 'admin', type: 'user', fullname: 'Administrator', email: null, is_admin: 1, created_at: new Date().toISOString() })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .execute();
}

export async function createUser(hub: HubContext, actor: Actor, input: { name: string; fullname?: string; email?: string; isAdmin?: boolean }): Promise<UserInfo> {
  if (!isSiteAdmin(actor)) throw new ModaError('AUTH_FORBIDDEN', 'only an admin with an admin token may create users');
  const user = await insertNamespace(hub, { ...input, type: 'user' });
  await recordAuditEvent(hub, actor, 'user.create', user.name, { isAdmin: user.isAdmin });
  return user;
}

export async function createOrganization(hub: HubContext, actor: Actor, input: { name: string; fullname?: string }): Promise<UserInfo> {
  const creator = requireWriteToken(actor);
  const org = await insertNamespace(hub, { name: input.name, fullname: input.fullname, type: 'org' });
  await hub.db.insertInto('memberships').values({ org: org.name, user: creator, role: 'admin' }).execute();
  hub.caches.actors.clear();
  await recordAuditEvent(hub, actor, 'org.create', org.name);
  return org;
}

export async function getNamespace(hub: HubContext, name: string): Promise<UserInfo> {
  const row = await hub.db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
  if (!row) throw new ModaError('HUB_USER_NOT_FOUND', `no user or organization "${name}"`);
  return toUserInfo(row);
}

export async function listMembers(hub: HubContext, org: string): Promise<{ user: string; role: MemberRole }[]> {
  await requireOrg(hub, org);
  return hub.db.selectFrom('memberships').select(['user', 'role']).where('org', '=', org).orderBy('user').execute();
}

export async function setMember(hub: HubContext, actor: Actor, org: string, user: string, role: MemberRole): Promise<void> {
  await requireOrg(hub, org);
  if (!canAdminNamespace(actor, org)) throw new ModaError('AUTH_FORBIDDEN', `only admins of "${org}" may change its members`);
  if (!MEMBER_ROLES.includes(role)) throw new ModaError('VALIDATION_FAILED', `role must be one of ${MEMBER_ROLES.join(', ')}`);
  const member = await getNamespace(hub, user);
  if (member.type !== 'user') throw new ModaError('VALIDATION_FAILED', 'only users can be members');
  if (role !== 'admin') await keepOneAdmin(hub, org, user);
  await hub.db
    .insertInto('memberships')
    .values({ org, user, role })
    .onConflict((conflict) => conflict.columns(['org', 'user']).doUpdateSet({ role }))
    .execute();
  hub.caches.actors.clear();
  await recordAuditEvent(hub, actor, 'member.set', org, { user, role });
}

export async function removeMember(hub: HubContext, actor: Actor, org: string, user: string): Promise<void> {
  await requireOrg(hub, org);
  if (!canAdminNamespace(actor, org) && actor.user !== user) throw new ModaError('AUTH_FORBIDDEN', `only admins of "${org}" may remove members`);
  await keepOneAdmin(hub, org, user);
  await hub.db.deleteFrom('memberships').where('org', '=', org).where('user', '=', user).execute();
  hub.caches.actors.clear();
  await recordAuditEvent(hub, actor, 'member.remove', org, { user });
}

/** Refuses to demote or remove `user` when they are the organization's last admin. */
async function keepOneAdmin(hub: HubContext, org: string, user: string): Promise<void> {
  const admins = await hub.db.selectFrom('memberships').select('user').where('org', '=', org).where('role', '=', 'admin').execute();
  if (admins.length === 1 && admins[0]?.user === user) {
    throw new ModaError('VALIDATION_FAILED', `${user} is the last admin of "${org}"; make someone else admin first`);
  }
}

async function requireOrg(hub: HubContext, org: string): Promise<void> {
  const info = await getNamespace(hub, org);
  if (info.type !== 'org') throw new ModaError('HUB_USER_NOT_FOUND', `"${org}" is not an organization`);
}

function toUserInfo(row: { name: string; type: 'user' | 'org'; fullname: string; email: string | null; is_admin: number; created_at: string }): UserInfo {
  return { name: row.name, type: row.type, fullname: row.fullname, email: row.email, isAdmin: row.is_admin === 1, createdAt: row.created_at };
}
