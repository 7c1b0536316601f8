// Parses what `moda pull` is given: `hf:[datasets/]ns/name` (an HF-API hub, MODA_HF_UPSTREAM),
// `ms:[datasets/]ns/name` (ModelScope, MODA_MS_UPSTREAM) or `moda:<url>/[datasets/]ns/name` (another
// Moda, which speaks the HF API), and opens the matching upstream.
import type { FetchFunction } from '../client/moda-client.js';
import type { RepoType } from '../db/schema.js';
import { ModaError } from '../errors/moda-error.js';
import { parseRepoId } from '../hub/paths.js';
import { hfUpstream } from './hf-upstream.js';
import { msUpstream } from './ms-upstream.js';
import type { Upstream } from './upstream.js';

export type PullProtocol = 'hf' | 'ms';

export interface PullSource {
  protocol: PullProtocol;
  endpoint: string;
  repo: string;
  type: RepoType;
  /** How the source is shown: `hf:ns/name`, `moda:http://host/ns/name`. */
  label: string;
}

export interface PullSourceDefaults {
  hfUpstream: string;
  msUpstream: string;
  /** Repo type asked for with --type; must agree with a `datasets/` prefix. */
  type?: RepoType;
}

function invalid(spec: string, why: string): ModaError {
  return new ModaError('PULL_SOURCE_INVALID', `"${spec}": ${why}; use hf:<ns>/<name>, ms:<ns>/<name> or moda:<url>/<ns>/<name> (datasets: add datasets/ before <ns>)`);
}

/** `[models/|datasets/]ns/name` → type and repo id. */
function splitRepoPath(spec: string, path: string, requested: RepoType | undefined): { type: RepoType; repo: string } {
  const parts = path.replace(/^\/+|\/+$/g, '').split('/');
  let type: RepoType | undefined;
  if (parts.length === 3 && (parts[0] === 'datasets' || parts[0] === 'models')) {
    type = parts[0] === 'datasets' ? 'dataset' : 'model';
    parts.shift();
  }
  if (parts.length !== 2) throw invalid(spec, 'expected a repo id namespace/name');
  const repo = parts.join('/');
  try {
    parseRepoId(repo);
  } catch (error) {
    throw invalid(spec, (error as Error).message);
  }
  if (type && requested && type !== requested) throw invalid(spec, `the source names a ${type} but --type says ${requested}`);
  return { type: type ?? requested ?? 'model', repo };
}

export function parsePullSource(spec: string, defaults: PullSourceDefaults): PullSource {
  const colon = spec.indexOf(':');
  const scheme = colon < 0 ? '' : spec.slice(0, colon);
  const rest = spec.slice(colon + 1);
  const prefix = (type: RepoType) => (type === 'dataset' ? 'datasets/' : '');
  if (scheme === 'hf' || scheme === 'ms') {
    const { type, repo } = splitRepoPath(spec, rest, defaults.type);
    return { protocol: scheme, endpoint: scheme === 'hf' ? defaults.hfUpstream : defaults.msUpstream, repo, type, label: `${scheme}:${prefix(type)}${repo}` };
  }
  if (scheme === 'moda') {
    let url: URL;
    try {
      url = new URL(rest);
    } catch {
      throw invalid(spec, 'expected moda:<http(s) url of the hub>/<ns>/<name>');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(spec, 'the Moda URL must be http or https');
    const segments = url.pathname.split('/').filter(Boolean);
    const repoSegments = segments.length >= 3 && segments[segments.length - 3] === 'datasets' ? 3 : 2;
    if (segments.length < repoSegments) throw invalid(spec, 'expected a repo id namespace/name after the URL');
    const { type, repo } = splitRepoPath(spec, segments.slice(-repoSegments).join('/'), defaults.type);
    const endpoint = `${url.origin}${segments.length > repoSegments ? `/${segments.slice(0, -repoSegments).join('/')}` : ''}`;
    return { protocol: 'hf', endpoint, repo, type, label: `moda:${endpoint}/${prefix(type)}${repo}` };
  }
  throw invalid(spec, 'unknown source kind');
}

/** The upstream reader for a parsed source. */
export function openUpstream(source: PullSource, options: { revision?: string; token?: string; fetch?: FetchFunction } = {}): Upstream {
  const upstreamOptions = { label: source.label, endpoint: source.endpoint, repo: source.repo, type: source.type, ...options };
  return source.protocol === 'ms' ? msUpstream(upstreamOptions) : hfUpstream(upstreamOptions);
}
