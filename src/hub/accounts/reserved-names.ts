// Names no user or organization may take: the first path segment of the web UI's own pages and of
// the API. `/{namespace}/{name}` is a repo page, so a user called "settings" would own a repo URL
// (`/settings/tokens`) that is already the tokens page. src/server/web-ui.ts keeps the same list
// for the routes it refuses to treat as repos; test/account-reserved-names.test.ts keeps them in step.
export const RESERVED_NAMESPACE_NAMES: ReadonlySet<string> = new Set([
  // Pages of the web UI (web/src/router.tsx).
  'new',
  'settings',
  'deployments',
  'jobs',
  // API and static prefixes (RESERVED_NAMESPACES in src/server/web-ui.ts).
  'api',
  'v1',
  'models',
  'datasets',
  'tasks',
  'assets',
  'docs',
  'metrics',
  'healthz',
  'livez',
  'readyz',
  // The dataset viewer's routes (src/protocols/datasets).
  'datasets-server',
  // The leaderboards page (web/src/leaderboards).
  'leaderboards',
  // The fine-tune form (web/src/tuning).
  'tune',
]);

/** Case-insensitive, like the "name is taken" check: `Settings` would confuse as much as `settings`. */
export function isReservedNamespaceName(name: string): boolean {
  return RESERVED_NAMESPACE_NAMES.has(name.toLowerCase());
}
