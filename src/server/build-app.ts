// Assembles the one Fastify app: CORS, authentication, body parsers, the error envelope and every
// protocol's routes over the same hub services.
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { HubContext } from '../hub/context.js';
import { registerLfsRoutes } from '../protocols/hf/lfs-routes.js';
import { registerReadRoutes } from '../protocols/hf/read-routes.js';
import { registerCommitDiffRoute } from '../protocols/hf/commit-diff-route.js';
import { registerResolveRoutes } from '../protocols/hf/resolve-route.js';
import { registerWhoamiRoute } from '../protocols/hf/whoami-route.js';
import { registerWriteRoutes } from '../protocols/hf/write-routes.js';
import { registerValidateYamlRoute } from '../protocols/hf/validate-yaml-route.js';
import { registerRepoHistoryRoutes } from '../protocols/hf/repo-history-routes.js';
import { registerGitRoutes } from '../protocols/git/git-routes.js';
import { registerModelScopeRoutes } from '../protocols/modelscope/modelscope-routes.js';
import { registerAccountRoutes } from '../protocols/moda/account-routes.js';
import { registerTaskRoutes } from '../protocols/moda/task-routes.js';
import { registerTaskCountRoute } from '../protocols/moda/task-count-route.js';
import { registerStoredBlobsRoute } from '../protocols/moda/stored-blobs-route.js';
import { ModaError } from '../errors/moda-error.js';
import { actorOf } from './authenticate-request.js';
import { allowedHostCheck } from './allowed-hosts.js';
import { isBasicAuthorization, refuseCrossSiteWrite } from './cross-site-guard.js';
import { addSecurityHeaders } from './security-headers.js';
import { registerBodyLimits } from './body-limits.js';
import { registerReadTokenGuard } from './read-token-guard.js';
import { sendError } from './error-reply.js';
import { registerInferenceRoutes } from '../protocols/moda/inference-routes.js';
import { registerHfInferenceRoutes } from '../protocols/hf/inference-route.js';
import { registerOllamaRoutes } from '../protocols/ollama/ollama-routes.js';
import { registerOpenAiRoutes } from '../protocols/openai/openai-routes.js';
import { registerDeploymentRoutes } from '../protocols/moda/deployment-routes.js';
import { Deployments } from '../serve/deployments.js';
import { isDraining, registerObservabilityRoutes, setReadinessCheck } from '../protocols/moda/observability-routes.js';
import { InferenceService } from '../serve/inference-service.js';
import { ModelCache } from '../serve/model-cache.js';
import { registerWebUi } from './web-ui.js';
import { registerRateLimits } from './rate-limit/register-rate-limits.js';
import type { RateLimitStore } from './rate-limit/rate-limit-store.js';
import { registerAuditRequestContext } from './audit-request-context.js';
import { registerAuditRoutes } from '../protocols/moda/audit-routes.js';
import { registerJobs } from './register-jobs.js';
import type { ChangeChannel } from './cache-invalidation.js';
import { registerDatasetsServerRoutes } from '../protocols/datasets/datasets-server-routes.js';
import { registerLeaderboardRoutes } from '../protocols/moda/leaderboard-routes.js';

/** The model cache and inference service a server gets from its configuration. */
export function createInferenceService(hub: HubContext): InferenceService {
  const { config } = hub;
  const models = new ModelCache({
    maxMemoryBytes: config.maxModelMemoryBytes,
    keepAliveMs: config.keepAliveMs,
    device: config.device,
    threads: config.threads,
    onnxSpinning: config.onnxSpinning,
    batching: { maxBatchSize: config.maxBatchSize, maxQueueDelayMs: 0, maxQueue: config.maxQueue },
    limits: {
      maxRssBytes: config.modelProcessMemoryBytes > 0 ? config.modelProcessMemoryBytes : config.maxModelMemoryBytes,
      maxHeapMb: Math.floor(config.modelProcessHeapBytes / 1024 ** 2),
      batchTimeoutMs: config.modelBatchTimeoutMs,
      loadTimeoutMs: config.modelLoadTimeoutMs,
    },
    crashLimit: config.modelCrashLimit,
    pipelineLimits: {
      maxLabels: config.modelMaxLabels,
      maxModelClasses: config.modelMaxClasses,
      maxOutputBytes: config.modelMaxOutputBytes,
      chatTemplateTimeoutMs: config.chatTemplateTimeoutMs,
      chatTemplateRangeItems: config.chatTemplateRangeItems,
      externalMemoryBytes: config.externalProgramMemoryBytes,
      externalTimeoutMs: config.externalProgramTimeoutMs,
      externalProcesses: config.externalProgramProcesses,
    },
    replicas: config.modelReplicas,
    llm: { parallel: config.llmParallel, contextSize: config.llmContext, maxQueue: config.llmQueue },
  });
  models.runContext = { maxImagePixels: config.maxImagePixels, fetch: globalThis.fetch };
  return new InferenceService(hub, models);
}

export interface AppOptions {
  hub: HubContext;
  /** Runs models for the inference routes; built from the config when not given. */
  inference?: InferenceService;
  /** Key that signs LFS object URLs. */
  secret: string;
  logger?: boolean;
  /** Where rate-limit buckets live: in this process unless given (Redis in a cluster). */
  rateLimitStore?: RateLimitStore;
  /** Awaited before each answer: other replicas must hear of this request's cache invalidations first. */
  beforeReply?: () => Promise<void>;
  /** Cluster mode: deployments changed here are announced to the other replicas, and theirs followed. */
  changes?: ChangeChannel;
}

const EXPOSED_HEADERS = ['x-repo-commit', 'x-error-code', 'x-error-message', 'etag', 'x-linked-etag', 'x-linked-size', 'content-range', 'content-length', 'accept-ranges', 'link', 'x-request-id', 'x-total-count'];

export async function buildApp({ hub, secret, logger = false, inference = createInferenceService(hub), rateLimitStore, beforeReply, changes }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logger ? { level: hub.config.logLevel } : false,
    bodyLimit: hub.config.maxJsonBytes,
    // Revisions may contain encoded slashes (refs%2Fpr%2F1) and file names are long.
    routerOptions: { maxParamLength: 2048 },
    requestIdHeader: 'x-request-id',
    // Behind nginx every request comes from nginx: believe its X-Forwarded-For only when configured.
    ...(hub.config.trustProxy.length > 0 && { trustProxy: hub.config.trustProxy }),
    // Shutdown must not wait out keep-alive on a response whose bytes the client already has.
    forceCloseConnections: true,
    genReqId: () => crypto.randomUUID(),
  });

  // Any origin may call the API with a token it holds (public JS clients such as @huggingface/hub),
  // but only the configured origins get `Allow-Credentials`, so no other page can ride on a
  // visitor's cookie or cached Basic auth and read the answer.
  const corsBase = { origin: true, exposedHeaders: EXPOSED_HEADERS, methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] };
  const credentialed = { ...corsBase, credentials: true };
  const anonymousCors = { ...corsBase, credentials: false };
  const corsOrigins = new Set(hub.config.corsOrigins);
  await app.register(cors, {
    delegator: (request: FastifyRequest, callback: (error: Error | null, options: typeof credentialed) => void) =>
      callback(null, corsOrigins.has(request.headers.origin ?? '') ? credentialed : anonymousCors),
  });
  app.addHook('onSend', addSecurityHeaders);
  app.addHook('onSend', async (_request, reply) => {
    if (beforeReply) await beforeReply();
    // Draining after SIGTERM: each connection closes after its answer, so the process can exit.
    if (isDraining(app)) reply.header('connection', 'close');
  });
  // The same for answers written past Fastify's hooks (git transfers, file regions): set on the raw
  // response as the request arrives, so a proxy never pools a connection the drain will close.
  app.addHook('onRequest', async (_request, reply) => {
    if (isDraining(app)) reply.raw.setHeader('connection', 'close');
  });

  app.addContentTypeParser(['application/vnd.git-lfs+json'], { parseAs: 'string' }, (_request, text, done) => {
    try {
      done(null, text === '' ? {} : JSON.parse(text as string));
    } catch (error) {
      done(new ModaError('BAD_REQUEST', 'malformed JSON body', { cause: error }), undefined);
    }
  });
  registerReadTokenGuard(app);
  registerBodyLimits(app);

  app.decorateRequest('actor', null as never);
  registerRateLimits(app, hub, rateLimitStore);
  registerAuditRequestContext(app, hub);
  const hostAllowed = allowedHostCheck(hub.config);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (!hostAllowed(request.headers.host)) throw new ModaError('HOST_NOT_ALLOWED', `this server does not answer to Host ${JSON.stringify(request.headers.host)}; list it in MODA_ALLOWED_HOSTS or set MODA_PUBLIC_URL`);
    // Browsers replay cached Basic credentials on their own; ModelScope's cookie is checked where it is read.
    if (isBasicAuthorization(request)) refuseCrossSiteWrite(request, 'basic', hub.config);
    request.actor = await actorOf(hub, request);
  });
  // Before the other routes, so its hooks see every request.
  registerObservabilityRoutes(app, inference.models, hub);

  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  app.setNotFoundHandler((request, reply) => sendError(request, reply, new ModaError('NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`)));

  const baseUrl = (request: Pick<FastifyRequest, 'headers' | 'protocol'>) => hub.config.publicUrl || `${request.protocol}://${request.headers.host ?? 'localhost'}`;

  app.addHook('onClose', () => inference.models.close());
  const jobs = await registerJobs(app, hub);
  // Alive, and whether the starter catalog is still being imported (a new hub is not complete yet).
  app.get('/healthz', async () => ({ status: 'ok', starter_catalog: await jobs.starterCatalog() }));
  registerWhoamiRoute(app, hub);
  registerAccountRoutes(app, hub);
  registerAuditRoutes(app, hub);
  registerTaskRoutes(app);
  registerTaskCountRoute(app, hub);
  registerReadRoutes(app, hub);
  registerCommitDiffRoute(app, hub);
  registerWriteRoutes(app, hub, baseUrl);
  registerValidateYamlRoute(app);
  registerRepoHistoryRoutes(app, hub);
  registerLfsRoutes(app, hub, secret, baseUrl);
  registerStoredBlobsRoute(app, hub);
  registerResolveRoutes(app, hub);
  registerGitRoutes(app, hub);
  registerModelScopeRoutes(app, hub, baseUrl, secret);
  registerInferenceRoutes(app, hub, inference);
  registerHfInferenceRoutes(app, hub, inference);
  registerOpenAiRoutes(app, hub, inference);
  registerOllamaRoutes(app, hub, inference);
  const deployments = new Deployments(hub, inference);
  inference.deployed = (repoId) => deployments.servedFor(repoId);
  inference.deployedNow = (repoId) => deployments.readyFor(repoId);
  registerDeploymentRoutes(app, deployments);
  if (changes) {
    deployments.announce = (name) => changes.publishDeployment(name);
    deployments.logError = (message, error) => app.log.warn({ err: error }, message);
    changes.onDeployment((name) => deployments.changedElsewhere(name));
  }
  registerDatasetsServerRoutes(app, hub, baseUrl);
  registerLeaderboardRoutes(app, hub);
  registerWebUi(app, hub.config.webDist ? { distDir: hub.config.webDist } : {});
  // The starter models are imported by a `catalog-import` job enqueued once the server listens (a
  // first import hashes and commits tens of MB); /readyz says `starter-catalog` until it is done.
  setReadinessCheck(app, async () => {
    const readiness = await deployments.readiness();
    return (await jobs.starterCatalog()).state === 'importing' ? { ready: false, waiting: ['starter-catalog', ...readiness.waiting] } : readiness;
  });
  // Stored deployments load in the background; /readyz tells when the required ones are up.
  app.addHook('onReady', () => deployments.restore());
  return app;
}
