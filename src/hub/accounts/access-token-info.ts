// What whoami says about the token in use, in the shape of the Hugging Face Hub: a plain token has
// role read or write; a token limited to repos is `fineGrained`, listing them under `scoped` with
// Hub permission names, so clients that read fine-grained tokens understand its limits.
import type { Actor } from '../actor.js';
import type { HubContext } from '../context.js';
import { currentToken } from './tokens.js';

export interface AccessTokenInfo {
  type: 'access_token';
  accessToken: {
    displayName: string;
    role: string;
    scope: string | null;
    createdAt?: string;
    expiresAt?: string | null;
    lastUsedAt?: string | null;
    fineGrained?: { canReadGatedRepos: boolean; global: string[]; scoped: { entity: { type: 'model' | 'dataset'; name: string }; permissions: string[] }[] };
  };
}

export async function accessTokenInfo(hub: HubContext, actor: Actor): Promise<AccessTokenInfo> {
  const token = await currentToken(hub, actor);
  const role = actor.tokenRole;
  const base = { displayName: token?.name ?? actor.tokenId ?? '', scope: role, createdAt: token?.createdAt, expiresAt: token?.expiresAt ?? null, lastUsedAt: token?.lastUsedAt ?? null };
  if (!token?.repos) return { type: 'access_token', accessToken: { ...base, role: role === 'admin' ? 'write' : (role ?? 'read') } };
  const permissions = role === 'read' ? ['repo.content.read'] : ['repo.content.read', 'repo.write'];
  return {
    type: 'access_token',
    accessToken: {
      ...base,
      role: 'fineGrained',
      fineGrained: {
        canReadGatedRepos: false,
        global: [],
        scoped: token.repos.map((name) => (name.startsWith('datasets/') ? { entity: { type: 'dataset', name: name.slice('datasets/'.length) }, permissions } : { entity: { type: 'model', name }, permissions })),
      },
    },
  };
}
