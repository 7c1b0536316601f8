// Rate limits for a hub on the internet: each limited route (rate-limit-actions.ts) spends one unit
// from a bucket per client address and, when a token is sent, one per token; an empty bucket answers
// 429 RATE_LIMITED with Retry-After before the body is read. Refused tokens are counted per address
// too, and an address past that limit is refused before its token is even looked up.
// Register before the authentication hook and before any route.
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { Counter } from 'prom-client';
import type { RateRule } from '../../config/rate-rule.js';
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import { metricsRegistryOf } from '../metrics.js';
import { MemoryRateLimitStore } from './memory-rate-limit-store.js';
import { rateLimitedActionOf, ruleOf, type RateLimitedAction } from './rate-limit-actions.js';
import type { RateLimitStore } from './rate-limit-store.js';

const REFUSED_TOKEN_CODES = new Set(['AUTH_INVALID_TOKEN', 'AUTH_TOKEN_EXPIRED']);

export function registerRateLimits(app: FastifyInstance, hub: HubContext, store: RateLimitStore = new MemoryRateLimitStore()): void {
  const refused = new Counter({
    name: 'moda_rate_limited_total',
    help: 'Requests refused with 429 RATE_LIMITED, by action and by what hit its limit (token or address)',
    labelNames: ['action', 'scope'],
    registers: [],
  });
  // The metrics registry is made after this runs (it hooks requests after authentication).
  app.addHook('onReady', async () => metricsRegistryOf(app)?.registerMetric(refused));

  const spend = async (action: RateLimitedAction | 'auth-failure', rule: RateRule, scope: 'token' | 'address', id: string, cost: number) => {
    const decision = await store.take(`${action}\0${scope}\0${id}`, rule, cost);
    if (decision.allowed) return;
    refused.inc({ action, scope });
    throw new ModaError('RATE_LIMITED', `too many ${action} requests from this ${scope}; retry in ${decision.retryAfterSeconds} s`, {
      details: { retryAfterSeconds: decision.retryAfterSeconds, action },
    });
  };

  // Before authentication: an address that sent too many refused tokens is not heard again until
  // its bucket refills, so guessing tokens costs the server no database lookups.
  app.addHook('onRequest', async (request) => {
    const rule = ruleOf(hub.config, 'auth-failure');
    if (rule && (request.headers.authorization !== undefined || request.headers.cookie !== undefined)) await spend('auth-failure', rule, 'address', request.ip, 0);
  });
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const rule = ruleOf(hub.config, 'auth-failure');
    if (!rule || reply.statusCode !== 401 || !REFUSED_TOKEN_CODES.has(String(reply.getHeader('x-error-code')))) return;
    await store.take(`auth-failure\0address\0${request.ip}`, rule, 1);
  });

  app.addHook('onRoute', (route) => {
    const action = rateLimitedActionOf(route.method, route.url ?? route.path);
    if (!action) return;
    const limit: onRequestHookHandler = async (request) => {
      const rule = ruleOf(hub.config, action);
      if (!rule) return;
      await spend(action, rule, 'address', request.ip, 1);
      // request.actor is set by the app's authentication hook, which runs before route hooks.
      const tokenId = (request.actor as { tokenId?: string | null } | null)?.tokenId;
      if (tokenId) await spend(action, rule, 'token', tokenId, 1);
    };
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [limit, ...existing];
  });
}
