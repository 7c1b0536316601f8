// One folder of a repo at a revision: breadcrumbs, then its folders (first) and files with their
// size, an LFS badge and a download link each; names open the folder or the file view.
import { resolveUrl, type RepoType, type TreeEntry } from '../api.js';
import { ErrorMessage, formatBytes, Loading, useAsync } from '../async-state.js';
import { useI18n } from '../i18n.js';
import { Link } from '../router.js';
import { Breadcrumbs } from './breadcrumbs.js';
import { useBrowseText } from './browse-text.js';
import { EntryIcon } from './entry-icon.js';
import { listFolder, repoUrls } from './history-api.js';

function byFoldersThenName(a: TreeEntry, b: TreeEntry): number {
  if (a.type !== b.type) return a.type === 'directory' ? -1 : 1;
  return a.path.localeCompare(b.path);
}

export function FilesList({ type, repo, base, revision, path }: { type: RepoType; repo: string; base: string; revision: string; path: string }) {
  const { t } = useI18n();
  const text = useBrowseText();
  const [state, retry] = useAsync((signal) => listFolder(type, repo, revision, path, signal), [type, repo, revision, path]);
  return (
    <>
      <Breadcrumbs base={base} repo={repo} revision={revision} path={path} />
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorMessage error={state.error} onRetry={retry} />}
      {state.status === 'done' && state.value.entries.length === 0 && <p className="muted">{text.emptyFolder}</p>}
      {state.status === 'done' && state.value.entries.length > 0 && (
        <table className="files" data-testid="files">
          <thead>
            <tr>
              <th scope="col">{t.fileName}</th>
              <th scope="col" className="numeric">
                {t.fileSize}
              </th>
              <th scope="col">
                <span className="visually-hidden">{t.download}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {[...state.value.entries].sort(byFoldersThenName).map((entry) => {
              const name = entry.path.split('/').pop() ?? entry.path;
              if (entry.type === 'directory') {
                return (
                  <tr key={entry.path} className="folder-row">
                    <td>
                      <EntryIcon kind="folder" />
                      <Link href={repoUrls.tree(base, revision, entry.path)} className="file-path">
                        <span className="visually-hidden">{text.folder} </span>
                        {name}
                      </Link>
                    </td>
                    <td className="numeric muted">—</td>
                    <td />
                  </tr>
                );
              }
              return (
                <tr key={entry.path}>
                  <td>
                    <EntryIcon kind="file" />
                    <Link href={repoUrls.blob(base, revision, entry.path)} className="file-path">
                      {name}
                    </Link>
                    {entry.lfs && (
                      <span className="badge lfs" title={text.lfsTitle}>
                        LFS
                      </span>
                    )}
                  </td>
                  <td className="numeric" title={`${entry.lfs?.size ?? entry.size} B`}>
                    {formatBytes(entry.lfs?.size ?? entry.size)}
                  </td>
                  <td>
                    <a href={`${resolveUrl(type, repo, revision, entry.path)}?download=true`} download={name} aria-label={`${t.download} ${entry.path}`}>
                      {t.download}
                    </a>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {state.status === 'done' && state.value.truncated && <p className="muted">{text.truncated}</p>}
    </>
  );
}
