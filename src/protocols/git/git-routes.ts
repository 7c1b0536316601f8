// Git smart HTTP (clone, fetch, push) on `/{repo}.git/info/refs` and `/{repo}.git/git-{upload,receive}-pack`
// (datasets under `/datasets/…`; the `.git` suffix is optional, as on the Hugging Face Hub). Moda
// authenticates and authorises like the API, then hands the request to `git http-backend`. Pushes
// need no lock of ours: receive-pack moves refs in a transaction that checks each old value, so a
// push racing an API commit (which compare-and-swaps the same ref) fails instead of losing either.
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RepoType } from '../../db/schema.js';
import { isModaError, ModaError } from '../../errors/moda-error.js';
import type { Actor } from '../../hub/actor.js';
import type { HubContext } from '../../hub/context.js';
import { readRef } from '../../hub/refs.js';
import { reindexRepo } from '../../hub/repos/reindex-repo.js';
import { findRepo, type RepoRecord } from '../../hub/repos/repo-record.js';
import { withRepoWriteLock } from '../../hub/repos/repo-write-lock.js';
import { REPO_KINDS, type RepoParams } from '../hf/repo-route-params.js';
import { auditedPushCheck } from './audited-push-check.js';
import { checkPushedLfsObjects } from './check-pushed-lfs-objects.js';
import { GitBackendLimiter } from './git-backend-limiter.js';
import { answerPreReceive, installPreReceiveHook } from './pre-receive-hook.js';
import { runHttpBackend } from './run-http-backend.js';

const SERVICES = ['git-upload-pack', 'git-receive-pack'] as const;
type GitService = (typeof SERVICES)[number];

/** Command-scoped config for every http-backend run; it overrides whatever a repo's config says. */
const BACKEND_CONFIG: Record<string, string> = {
  'http.uploadpack': 'true',
  // Moda has checked write access already; http-backend's own REMOTE_USER gate adds nothing.
  'http.receivepack': 'true',
  // Smart protocol only: no dumb-HTTP file serving.
  'http.getanyfile': 'false',
  // HEAD is the default branch; a clone of a repo without it would check out nothing.
  'receive.denyDeleteCurrent': 'refuse',
  // Scratch refs of in-flight API commits are neither shown nor writable.
  'transfer.hideRefs': 'refs/moda',
  // Malformed objects (e.g. trees with `.git` entries) never reach the repo.
  'receive.fsckObjects': 'true',
  // `git clone --filter=blob:none` for large histories.
  'uploadpack.allowFilter': 'true',
};
// Added per server: core.hooksPath, Moda's pre-receive hook. Left to each repo's own config:
// receive.denyNonFastForwards, set at creation and toggled by the allowForcePush setting.

const WWW_AUTHENTICATE = 'Basic realm="Moda"';

export function registerGitRoutes(app: FastifyInstance, hub: HubContext): void {
  // Pack streams go to http-backend untouched: no body parser, no buffering, no size limit here.
  void app.register(async (scope) => {
    // Our hooks directory replaces every repo's own hooks/ (which a push could never write anyway).
    const hooksPath = join(hub.config.home, 'git-hooks');
    await installPreReceiveHook(hooksPath);
    const config = { ...BACKEND_CONFIG, 'core.hooksPath': hooksPath };
    const limiter = new GitBackendLimiter(hub.config.gitMaxBackends, hub.config.gitMaxBackendsPerClient);
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, envelope: 'git' };
    });
    // git (through curl) sends credentials only after a challenge.
    scope.addHook('onSend', async (_request, reply, payload) => {
      if (reply.statusCode === 401) reply.header('www-authenticate', WWW_AUTHENTICATE);
      return payload;
    });

    for (const kind of REPO_KINDS) {
      const root = `${kind.prefix}/:namespace/:name`;
      scope.get(`${root}/info/refs`, { exposeHeadRoute: false }, async (request, reply) => {
        const service = (request.query as { service?: unknown }).service;
        if (!SERVICES.includes(service as GitService)) {
          throw new ModaError('BAD_REQUEST', 'only the smart HTTP protocol is served: ?service=git-upload-pack or git-receive-pack');
        }
        return serve(hub, config, limiter, kind.type, service as GitService, request, reply);
      });
      for (const service of SERVICES) {
        scope.post(`${root}/${service}`, async (request, reply) => serve(hub, config, limiter, kind.type, service, request, reply));
      }
    }
  });
}

async function serve(
  hub: HubContext,
  config: Record<string, string>,
  limiter: GitBackendLimiter,
  type: RepoType,
  service: GitService,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const repo = await authorise(hub, request.actor, type, repoIdFromGitPath(request.params as RepoParams), service);
  // Held until the http-backend process is gone, not just until the response ends.
  const release = limiter.acquire(request.ip);
  const advertisement = request.method === 'GET';
  const push = !advertisement && service === 'git-receive-pack';
  const log = (message: string) => request.log.warn({ repo: repo.fullName, service }, `git http-backend: ${message}`);
  const abort = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
  const response = await runHttpBackend({
    gitDir: repo.gitDir,
    method: advertisement ? 'GET' : 'POST',
    pathInfo: advertisement ? '/info/refs' : `/${service}`,
    queryString: advertisement ? `service=${service}` : '',
    headers: request.headers,
    body: advertisement ? undefined : request.raw,
    remoteUser: request.actor.user,
    remoteAddr: request.ip,
    config,
    signal: abort.signal,
    hookChannel: push ? (channel) => answerPreReceive(channel, auditedPushCheck(hub, request.actor, repo, (pending) => checkPushedLfsObjects(hub, request.actor, repo.id, repo.gitDir, pending)), log) : undefined,
    afterExit: push ? () => followDefaultBranch(hub, repo, request.actor) : undefined,
    log,
    idleTimeoutMs: hub.config.gitIdleTimeoutMs,
    bodyTimeoutMs: hub.config.gitBodyTimeoutMs,
    onExit: release,
  });
  reply.code(response.status);
  for (const [name, value] of Object.entries(response.headers)) reply.header(name, value);
  return reply.send(response.body);
}

/** `name.git` and `name` both address the repo (repo names never end in `.git`). */
function repoIdFromGitPath(params: RepoParams): string {
  return `${params.namespace}/${params.name.replace(/\.git$/, '')}`;
}

async function authorise(hub: HubContext, actor: Actor, type: RepoType, repoId: string, service: GitService): Promise<RepoRecord> {
  try {
    return await findRepo(hub, actor, type, repoId, service === 'git-receive-pack' ? 'write' : 'read');
  } catch (error) {
    // Without credentials every refusal is a challenge, so git retries with the user's token, and
    // an unknown repo looks the same as a private one. With credentials, 404 and 403 stand.
    if (actor.user === null && isModaError(error) && (error.code === 'HUB_REPO_NOT_FOUND' || error.code === 'AUTH_REQUIRED')) {
      throw new ModaError('AUTH_REQUIRED', `${service === 'git-receive-pack' ? 'pushing to' : 'reading'} ${repoId} needs a token`, { cause: error });
    }
    throw error;
  }
}

/**
 * After a push, indexes the default branch exactly as an API commit would, if the push moved it.
 * Compared with the indexed sha (not the head before the push) so that nothing is missed if a
 * concurrent API commit's own re-index ran in between.
 */
async function followDefaultBranch(hub: HubContext, repo: RepoRecord, pusher: Actor): Promise<void> {
  const indexed = await hub.db.selectFrom('repos').select('sha').where('id', '=', repo.id).executeTakeFirst();
  if (!indexed) return;
  // A push may have moved any branch or tag.
  hub.caches.heads.clear();
  const ref = `refs/heads/${repo.row.default_branch}`;
  const head = await readRef(repo.gitDir, ref);
  // The same lock API commits take, so this index write cannot overtake a newer commit's.
  if (head !== undefined && head !== indexed.sha) await withRepoWriteLock(hub, repo, (current) => reindexRepo(hub, current, pusher));
}
