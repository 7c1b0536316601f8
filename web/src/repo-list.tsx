// A list of repos as cards: name, task, tags and when it was last updated.
import type { RepoInfo } from './api.js';
import { formatDate } from './async-state.js';
import { useI18n } from './i18n.js';
import { Link, repoPath } from './router.js';

export function RepoList({ repos, type }: { repos: RepoInfo[]; type: 'model' | 'dataset' }) {
  const { t, language } = useI18n();
  if (repos.length === 0) return <p className="muted">{t.noModels}</p>;
  return (
    <ul className="repo-list" data-testid="repo-list">
      {repos.map((repo) => (
        <li key={repo.id} className="repo-card">
          <Link href={repoPath(type, repo.id)} className="repo-name">
            {repo.id}
          </Link>
          {repo.private && <span className="badge private">{t.privateRepo}</span>}
          <div className="repo-meta">
            {repo.pipeline_tag && <span className="badge">{repo.pipeline_tag}</span>}
            {repo.library_name && <span className="badge subtle">{repo.library_name}</span>}
            <span className="muted">
              {t.updated} {formatDate(repo.lastModified, language)}
            </span>
          </div>
        </li>
      ))}
    </ul>
  );
}
