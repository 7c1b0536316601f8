// The "files and versions" tab: a branch/tag picker and Files/History switch over the folder, file,
// history or commit view the URL names (no view: the root folder of the default branch).
import type { RepoType } from '../api.js';
import { ErrorMessage, Loading, useAsync } from '../async-state.js';
import { Link, repoPath, useNavigate, type RepoView } from '../router.js';
import { useBrowseText } from './browse-text.js';
import { CommitHistory } from './commit-history.js';
import { CommitView } from './commit-view.js';
import { FileView } from './file-view.js';
import { FilesList } from './files-list.js';
import { listRefs, repoUrls, type RepoRefs } from './history-api.js';
import { RevisionSelect } from './revision-select.js';
import './repo-browse.css';

/** `main` when there is such a branch, else the branch at the repo's head, else the head commit. */
export function defaultRevision(refs: RepoRefs, headSha: string): string {
  if (refs.branches.some((branch) => branch.name === 'main')) return 'main';
  return refs.branches.find((branch) => branch.targetCommit === headSha)?.name ?? headSha;
}

export function RepoFiles({ type, repo, headSha, view }: { type: RepoType; repo: string; headSha: string; view: RepoView | undefined }) {
  const text = useBrowseText();
  const navigate = useNavigate();
  const base = repoPath(type, repo);
  const [state, retry] = useAsync((signal) => listRefs(type, repo, signal), [type, repo]);
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'error') return <ErrorMessage error={state.error} onRetry={retry} />;
  const refs = state.value;
  const current: RepoView = view ?? { kind: 'tree', revision: defaultRevision(refs, headSha), path: '' };
  const revision = current.kind === 'commit' ? undefined : current.revision;
  const switchTo = (next: string) => {
    if (current.kind === 'commits') navigate(repoUrls.commits(base, next));
    else if (current.kind === 'blob') navigate(repoUrls.blob(base, next, current.path));
    else navigate(repoUrls.tree(base, next, current.kind === 'tree' ? current.path : ''));
  };
  const navRevision = revision ?? defaultRevision(refs, headSha);
  return (
    <div className="repo-browse">
      <div className="browse-bar">
        {revision !== undefined && <RevisionSelect refs={refs} revision={revision} onChange={switchTo} />}
        <nav aria-label={text.browse} className="browse-nav">
          <Link href={repoUrls.tree(base, navRevision)} aria-current={current.kind === 'tree' || current.kind === 'blob' ? 'page' : undefined}>
            {text.filesNav}
          </Link>
          <Link href={repoUrls.commits(base, navRevision)} aria-current={current.kind === 'commits' || current.kind === 'commit' ? 'page' : undefined}>
            {text.historyNav}
          </Link>
        </nav>
      </div>
      {current.kind === 'tree' && <FilesList type={type} repo={repo} base={base} revision={current.revision} path={current.path} />}
      {current.kind === 'blob' && <FileView type={type} repo={repo} base={base} revision={current.revision} path={current.path} />}
      {current.kind === 'commits' && <CommitHistory key={current.revision} type={type} repo={repo} base={base} revision={current.revision} />}
      {current.kind === 'commit' && <CommitView type={type} repo={repo} base={base} sha={current.sha} />}
    </div>
  );
}
