// The history of a revision, newest first, a page at a time; each commit links to its commit page.
// The parent keys it by revision, so switching revision starts again at the first page.
import { useState } from 'react';
import type { RepoType } from '../api.js';
import { ErrorMessage, formatDate, Loading, useAsync } from '../async-state.js';
import { useI18n } from '../i18n.js';
import { Link } from '../router.js';
import { useBrowseText } from './browse-text.js';
import { listCommits, repoUrls } from './history-api.js';

const PAGE_SIZE = 20;

export function CommitHistory({ type, repo, base, revision }: { type: RepoType; repo: string; base: string; revision: string }) {
  const { language } = useI18n();
  const text = useBrowseText();
  const [page, setPage] = useState(0);
  const [state, retry] = useAsync((signal) => listCommits(type, repo, revision, page, PAGE_SIZE, signal), [type, repo, revision, page]);
  return (
    <section aria-labelledby="history-heading" data-testid="commit-history">
      <h2 id="history-heading" className="section-heading">
        {text.commitsOf(revision)}
        {state.status === 'done' && state.value.total !== undefined && <span className="muted"> · {text.totalCommits(state.value.total)}</span>}
      </h2>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorMessage error={state.error} onRetry={retry} />}
      {state.status === 'done' && state.value.commits.length === 0 && <p className="muted">{text.noCommits}</p>}
      {state.status === 'done' && state.value.commits.length > 0 && (
        <ol className="commit-list" start={page * PAGE_SIZE + 1}>
          {state.value.commits.map((commit) => (
            <li key={commit.id} className="commit-row">
              <Link href={repoUrls.commit(base, commit.id)} className="commit-title">
                {commit.title || commit.id.slice(0, 10)}
              </Link>
              <span className="muted commit-meta">
                {commit.authors.map((author) => author.user).join(', ')} · <time dateTime={commit.date}>{formatDate(commit.date, language)}</time> ·{' '}
                <code title={commit.id}>{commit.id.slice(0, 10)}</code>
              </span>
            </li>
          ))}
        </ol>
      )}
      {state.status === 'done' && (page > 0 || state.value.hasNext) && (
        <nav className="pager" aria-label={text.page(page + 1)}>
          <button type="button" className="button secondary" disabled={page === 0} onClick={() => setPage((current) => Math.max(0, current - 1))}>
            ← {text.newer}
          </button>
          <span aria-live="polite">{text.page(page + 1)}</span>
          <button type="button" className="button secondary" disabled={!state.value.hasNext} onClick={() => setPage((current) => current + 1)}>
            {text.older} →
          </button>
        </nav>
      )}
    </section>
  );
}
