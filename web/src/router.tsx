// A tiny History API router: the UI has a handful of paths, which does not justify a dependency.
import { createContext, useContext, type AnchorHTMLAttributes, type MouseEvent } from 'react';

export type Route =
  | { page: 'home' }
  | { page: 'models'; type: 'model' | 'dataset'; search: string; task: string; sort: string }
  | { page: 'task'; task: string }
  | { page: 'repo'; type: 'model' | 'dataset'; repo: string; tab: string; view?: RepoView }
  | { page: 'new-repo' }
  | { page: 'tokens' }
  | { page: 'audit' }
  | { page: 'deployments' }
  | { page: 'jobs' }
  | { page: 'leaderboards'; benchmark?: string }
  | { page: 'not-found' };

/**
 * A view inside a repo's "files and versions" beyond the default one: a folder or file at a
 * revision (`/{repo}/tree/{rev}/{path}`, `/{repo}/blob/{rev}/{path}`), the history of a revision
 * (`/{repo}/commits/{rev}`) or one commit (`/{repo}/commit/{sha}`), like the Hugging Face Hub's URLs.
 */
export type RepoView =
  | { kind: 'tree' | 'blob'; revision: string; path: string }
  | { kind: 'commits'; revision: string }
  | { kind: 'commit'; sha: string };

/** Paths of the app's own pages; user and organisation names that equal them are refused by the hub. */
const APP_PAGES: Record<string, Route> = {
  new: { page: 'new-repo' },
  'settings/tokens': { page: 'tokens' },
  'settings/audit': { page: 'audit' },
  deployments: { page: 'deployments' },
  jobs: { page: 'jobs' },
  leaderboards: { page: 'leaderboards' },
};

function repoView(rest: string[]): RepoView | undefined | null {
  const [kind, revision, ...path] = rest;
  if (kind === undefined) return undefined;
  if (revision === undefined || revision === '') return null;
  if (kind === 'tree' || kind === 'blob') return { kind, revision, path: path.join('/') };
  if (kind === 'commits' && path.length === 0) return { kind, revision };
  if (kind === 'commit' && path.length === 0) return { kind, sha: revision };
  return null;
}

export function parseLocation(location: { pathname: string; search: string; hash: string }): Route {
  const query = new URLSearchParams(location.search);
  const parts = location.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const tab = location.hash.replace(/^#/, '');
  if (parts.length === 0) return { page: 'home' };
  const appPage = APP_PAGES[parts.join('/')];
  if (appPage) return appPage;
  if (parts.length === 1 && (parts[0] === 'models' || parts[0] === 'datasets')) {
    return { page: 'models', type: parts[0] === 'models' ? 'model' : 'dataset', search: query.get('search') ?? '', task: query.get('task') ?? '', sort: query.get('sort') ?? 'lastModified' };
  }
  if (parts.length === 2 && parts[0] === 'tasks') return { page: 'task', task: parts[1] ?? '' };
  if (parts.length === 3 && parts[0] === 'leaderboards') return { page: 'leaderboards', benchmark: `${parts[1]}/${parts[2]}` };
  const [first, second, third] = parts;
  const dataset = first === 'datasets';
  const repoParts = dataset ? [second, third] : [first, second];
  if (repoParts[0] === undefined || repoParts[1] === undefined) return { page: 'not-found' };
  const view = repoView(parts.slice(dataset ? 3 : 2));
  if (view === null) return { page: 'not-found' };
  const repo = `${repoParts[0]}/${repoParts[1]}`;
  const type = dataset ? 'dataset' : 'model';
  return view ? { page: 'repo', type, repo, tab, view } : { page: 'repo', type, repo, tab };
}

export const NavigateContext = createContext<(to: string, options?: { replace?: boolean }) => void>(() => undefined);

export function useNavigate() {
  return useContext(NavigateContext);
}

/** An ordinary link that navigates inside the app on a plain left click. */
export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const navigate = useNavigate();
  const click = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={click} {...rest} />;
}

export function repoPath(type: 'model' | 'dataset', repo: string): string {
  return type === 'dataset' ? `/datasets/${repo}` : `/${repo}`;
}
