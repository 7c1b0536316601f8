// Where a folder or file sits in the repo: the repo name, then each folder, each a link up the tree.
import { Link } from '../router.js';
import { useBrowseText } from './browse-text.js';
import { repoUrls } from './history-api.js';

export function Breadcrumbs({ base, repo, revision, path }: { base: string; repo: string; revision: string; path: string }) {
  const text = useBrowseText();
  const parts = path === '' ? [] : path.split('/');
  return (
    <nav aria-label={text.breadcrumbs} className="breadcrumbs" data-testid="breadcrumbs">
      <ol>
        <li>
          {parts.length === 0 ? (
            <span aria-current="page">{repo.split('/')[1]}</span>
          ) : (
            <Link href={repoUrls.tree(base, revision)}>{repo.split('/')[1]}</Link>
          )}
        </li>
        {parts.map((part, index) => {
          const last = index === parts.length - 1;
          return (
            <li key={index}>
              {last ? <span aria-current="page">{part}</span> : <Link href={repoUrls.tree(base, revision, parts.slice(0, index + 1).join('/'))}>{part}</Link>}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
