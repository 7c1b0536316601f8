// Which routes are rate limited, and under which action. Matched by method and route pattern when a
// route is registered, so protocol route files need no rate-limit code of their own.
import type { Config } from '../../config/config.js';
import type { RateRule } from '../../config/rate-rule.js';

export const RATE_LIMITED_ACTIONS = ['login', 'token-create', 'repo-create', 'commit', 'upload', 'inference'] as const;
export type RateLimitedAction = (typeof RATE_LIMITED_ACTIONS)[number];

const ROUTES: { action: RateLimitedAction; method: string; url: RegExp }[] = [
  { action: 'login', method: 'POST', url: /^\/api\/v1\/login$/ },
  { action: 'login', method: 'GET', url: /^\/api\/whoami(-v2)?$/ },
  { action: 'token-create', method: 'POST', url: /^\/api\/tokens$/ },
  { action: 'repo-create', method: 'POST', url: /^\/api\/repos\/create$/ },
  { action: 'repo-create', method: 'POST', url: /^\/api\/v1\/(models|datasets)$/ },
  { action: 'commit', method: 'POST', url: /^\/api\/[a-z]+\/:namespace\/:name\/commit\/:revision$/ },
  { action: 'commit', method: 'POST', url: /^\/api\/v1\/repos\/:plural\/:owner\/:name\/commit\// },
  { action: 'commit', method: 'POST', url: /\/:name\/git-receive-pack$/ },
  { action: 'upload', method: 'PUT', url: /\/info\/lfs\/objects\/:oid$/ },
  { action: 'inference', method: 'POST', url: /^\/api\/v1\/models\/:owner\/:name\/pipeline$/ },
  { action: 'inference', method: 'POST', url: /^\/models\/:owner\/:name(\/pipeline\/:task|\/v1\/.+)?$/ },
  { action: 'inference', method: 'POST', url: /^\/v1\/(chat\/completions|completions|embeddings)$/ },
];

/** The action a route counts against, or undefined for routes without a limit. */
export function rateLimitedActionOf(method: string | string[], url: string): RateLimitedAction | undefined {
  const methods = Array.isArray(method) ? method : [method];
  return ROUTES.find((route) => methods.includes(route.method) && route.url.test(url))?.action;
}

/** The configured rule of each action; null where the action (or every limit) is off. */
export function ruleOf(config: Config, action: RateLimitedAction | 'auth-failure'): RateRule | null {
  if (!config.rateLimits) return null;
  switch (action) {
    case 'login':
      return config.rateLimitLogin;
    case 'auth-failure':
      return config.rateLimitAuthFailures;
    case 'token-create':
      return config.rateLimitTokenCreate;
    case 'repo-create':
      return config.rateLimitRepoCreate;
    case 'commit':
      return config.rateLimitCommit;
    case 'upload':
      return config.rateLimitUpload;
    case 'inference':
      return config.rateLimitInference;
  }
}
