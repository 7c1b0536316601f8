// A tiny History API router: the UI has a handful of paths, which does not justify a dependency.
import { createContext, useContext, type AnchorHTMLAttributes, type MouseEvent } from 'react';

export type Route =
  | { page: 'home' }
  | { page: 'models'; type: 'model' | 'dataset'; search: string; task: string; sort: string }
  | { page: 'task'; task: string }
  | { page: 'repo'; type: 'model' | 'dataset'; repo: string; tab: string }
  | { page: 'not-found' };

export function parseLocation(location: { pathname: string; search: string; hash: string }): Route {
  const query = new URLSearchParams(location.search);
  const parts = location.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const tab = location.hash.replace(/^#/, '');
  if (parts.length === 0) return { page: 'home' };
  if (parts.length === 1 && (parts[0] === 'models' || parts[0] === 'datasets')) {
    return { page: 'models', type: parts[0] === 'models' ? 'model' : 'dataset', search: query.get('search') ?? '', task: query.get('task') ?? '', sort: query.get('sort') ?? 'lastModified' };
  }
  if (parts.length === 2 && parts[0] === 'tasks') return { page: 'task', task: parts[1] ?? '' };
  if (parts.length === 3 && parts[0] === 'datasets') return { page: 'repo', type: 'dataset', repo: `${parts[1]}/${parts[2]}`, tab };
  if (parts.length === 2) return { page: 'repo', type: 'model', repo: `${parts[0]}/${parts[1]}`, tab };
  return { page: 'not-found' };
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
