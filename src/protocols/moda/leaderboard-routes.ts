// Leaderboards: `GET /api/leaderboards` (every benchmark the caller can read; `?model=ns/name` for
// one model's results and ranks) and `GET /api/leaderboards/{ns}/{name}` (one benchmark's rows,
// `?verified=true` for server-computed results only, `?task=<id>` to rank by one task).
import type { FastifyInstance } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import { buildLeaderboard } from '../../evaluation/leaderboards/build-leaderboard.js';
import { catchUpEvalIndex, followDefaultBranchCommits } from '../../evaluation/leaderboards/catch-up-eval-index.js';
import { findBenchmark, requireSpec } from '../../evaluation/leaderboards/find-benchmark.js';
import { listLeaderboards } from '../../evaluation/leaderboards/list-leaderboards.js';

/** Repos indexed per step of the start-up pass, and at most per request (catchUpEvalIndex's default). */
const BACKGROUND_BATCH = 100;

function flag(value: unknown, name: string): boolean {
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new ModaError('VALIDATION_FAILED', `${name} must be true or false`);
}

function optionalText(value: unknown, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > 200) throw new ModaError('VALIDATION_FAILED', `${name} must be one short string`);
  return value;
}

export function registerLeaderboardRoutes(app: FastifyInstance, hub: HubContext): void {
  const logError = (message: string, error: unknown) => app.log.error({ err: error }, message);
  const stop = followDefaultBranchCommits(hub, logError);
  // Repos that existed before leaderboards did (or changed while this server was down) are read
  // once in the background after start; a read meanwhile indexes a bounded batch itself.
  let closing = false;
  app.addHook('onListen', async () => {
    void (async () => {
      while (!closing && (await catchUpEvalIndex(hub, BACKGROUND_BATCH)) === BACKGROUND_BATCH);
    })().catch((error: unknown) => logError('could not index evaluation results at start-up', error));
  });
  app.addHook('onClose', async () => {
    closing = true;
    stop();
  });

  app.get('/api/leaderboards', async (request) => {
    const query = request.query as Record<string, unknown>;
    const model = optionalText(query.model, 'model');
    return { leaderboards: await listLeaderboards(hub, request.actor, model === undefined ? {} : { model }) };
  });

  app.get('/api/leaderboards/:namespace/:name', async (request) => {
    const { namespace, name } = request.params as { namespace: string; name: string };
    const query = request.query as Record<string, unknown>;
    const verifiedOnly = flag(query.verified, 'verified');
    const task = optionalText(query.task, 'task');
    await catchUpEvalIndex(hub);
    const benchmark = await findBenchmark(hub, request.actor, `${namespace}/${name}`);
    const spec = requireSpec(benchmark);
    return buildLeaderboard(hub, request.actor, { key: benchmark.key, fullName: benchmark.fullName, spec, head: benchmark.head }, { verifiedOnly, ...(task !== undefined && { task }) });
  });
}
