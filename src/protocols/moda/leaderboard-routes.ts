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
  const stop = followDefaultBranchCommits(hub, (message, error) => app.log.error({ err: error }, message));
  app.addHook('onClose', async () => stop());

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
