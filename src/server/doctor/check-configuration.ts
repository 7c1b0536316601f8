// `moda doctor`: reads a server configuration and the files under MODA_HOME and names what is unsafe
// for a hub others can reach. Each finding has a severity: `fail` (fix before exposing the server),
// `warn` (risky, may be intended) or `ok`. File modes come through an injected stat, so tests need
// no particular file system.
import { join } from 'node:path';
import { isIP } from 'node:net';
import type { Config } from '../../config/config.js';

export type Severity = 'ok' | 'warn' | 'fail';

export interface Finding {
  severity: Severity;
  /** Stable name of the check, e.g. `public-bind`. */
  check: string;
  message: string;
}

/** File mode bits, or undefined when the file does not exist. */
export type StatMode = (path: string) => Promise<number | undefined>;

const SECRET_FILES = [
  { file: 'admin-token', what: 'the generated admin token' },
  { file: 'token', what: 'the token `moda login` saved' },
  { file: 'moda.sqlite', what: 'the SQLite database (token hashes, private repo names)' },
];

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

export async function checkConfiguration(config: Config, statMode: StatMode): Promise<Finding[]> {
  const findings: Finding[] = [];
  const add = (severity: Severity, check: string, message: string) => findings.push({ severity, check, message });
  const exposed = !isLoopbackHost(config.host);

  if (!exposed) add('ok', 'public-bind', `listens on ${config.host} (this machine only)`);
  else if (!config.publicUrl) add('fail', 'public-bind', `MODA_HOST=${config.host} is reachable from other machines but MODA_PUBLIC_URL is empty: links in LFS and commit answers are built from each request's Host header, which a client chooses`);
  else add('ok', 'public-bind', `listens on ${config.host} with MODA_PUBLIC_URL=${config.publicUrl}`);
  if (exposed && config.publicUrl.startsWith('http://')) add('warn', 'public-url-https', `MODA_PUBLIC_URL ${config.publicUrl} is plain http: tokens cross the network in clear unless a TLS proxy is in front`);

  // MODA_CORS_ORIGINS = "*" cannot get here: the config refuses anything but http(s) origins.

  if (!config.rateLimits) add(exposed ? 'fail' : 'warn', 'rate-limits', 'MODA_RATE_LIMITS=0: sign-ins, token guessing, uploads and inference are not rate limited');
  else {
    const off = [
      ['MODA_RATE_LIMIT_LOGIN', config.rateLimitLogin],
      ['MODA_RATE_LIMIT_AUTH_FAILURES', config.rateLimitAuthFailures],
      ['MODA_RATE_LIMIT_TOKEN_CREATE', config.rateLimitTokenCreate],
      ['MODA_RATE_LIMIT_REPO_CREATE', config.rateLimitRepoCreate],
      ['MODA_RATE_LIMIT_COMMIT', config.rateLimitCommit],
      ['MODA_RATE_LIMIT_UPLOAD', config.rateLimitUpload],
      ['MODA_RATE_LIMIT_INFERENCE', config.rateLimitInference],
    ].filter(([, rule]) => rule === null);
    if (off.length > 0) add('warn', 'rate-limits', `rate limits off for ${off.map(([name]) => String(name)).join(', ')}`);
    else add('ok', 'rate-limits', 'every rate limit is on');
  }

  if (config.adminToken && config.adminToken.length < 32) add('fail', 'admin-token-strength', `MODA_ADMIN_TOKEN is ${config.adminToken.length} characters; use at least 32 random ones (\`moda token create\` makes 40)`);

  for (const { file, what } of SECRET_FILES) {
    const path = join(config.home, file);
    const mode = await statMode(path);
    if (mode === undefined) continue;
    if ((mode & 0o077) !== 0) add('fail', 'file-permissions', `${path} (${what}) has mode ${(mode & 0o777).toString(8)}: others on this machine can read it; chmod 600 it`);
    else add('ok', 'file-permissions', `${path} is readable by its owner only`);
  }
  const homeMode = await statMode(config.home);
  if (homeMode !== undefined && (homeMode & 0o007) !== 0) add('warn', 'home-permissions', `${config.home} (MODA_HOME) has mode ${(homeMode & 0o777).toString(8)}: other users can list and read private repos on disk; chmod 700 it`);

  if (exposed && config.quotaStorageBytes === 0) add('warn', 'quotas', 'MODA_QUOTA_STORAGE is 0: any user may fill the disk with LFS uploads');
  if (exposed && config.quotaRepos === 0) add('warn', 'quotas', 'MODA_QUOTA_REPOS is 0: any user may create repos without limit');
  if (config.mirrorUpstream.startsWith('http://')) add('warn', 'mirror-upstream', `MODA_MIRROR_UPSTREAM ${config.mirrorUpstream} is plain http: mirrored models can be tampered with on the way`);
  return findings;
}
