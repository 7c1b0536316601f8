// One commit: title, message, author, date, parents, and the files it added, modified and deleted
// with their sizes and LFS flags. A file links to its view at this commit (deleted ones: at the parent).
import type { RepoType } from '../api.js';
import { ErrorMessage, formatBytes, formatDate, Loading, useAsync } from '../async-state.js';
import { useI18n } from '../i18n.js';
import { Link } from '../router.js';
import { useBrowseText } from './browse-text.js';
import { commitDiff, repoUrls, type ChangedFile, type ChangedFileSide } from './history-api.js';

function SideSize({ side }: { side: ChangedFileSide | undefined }) {
  if (!side) return <span className="muted">—</span>;
  return <span title={`${side.size} B`}>{formatBytes(side.size)}</span>;
}

function FileRow({ file, base, commit, parent }: { file: ChangedFile; base: string; commit: string; parent: string | undefined }) {
  const text = useBrowseText();
  const lfs = Boolean(file.new?.lfs ?? file.old?.lfs);
  const at = file.status === 'deleted' ? parent : commit;
  return (
    <tr data-status={file.status}>
      <td>
        <span className={`change-badge ${file.status}`}>{text[file.status]}</span>
      </td>
      <td>
        {at ? (
          <Link href={repoUrls.blob(base, at, file.path)} className="file-path">
            {file.path}
          </Link>
        ) : (
          <span className="file-path">{file.path}</span>
        )}
        {lfs && (
          <span className="badge lfs" title={text.lfsTitle}>
            LFS
          </span>
        )}
      </td>
      <td className="numeric">
        {file.status === 'modified' ? (
          <>
            <SideSize side={file.old} /> → <SideSize side={file.new} />
          </>
        ) : (
          <SideSize side={file.new ?? file.old} />
        )}
      </td>
    </tr>
  );
}

export function CommitView({ type, repo, base, sha }: { type: RepoType; repo: string; base: string; sha: string }) {
  const { language, t } = useI18n();
  const text = useBrowseText();
  const [state, retry] = useAsync((signal) => commitDiff(type, repo, sha, signal), [type, repo, sha]);
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'error') return <ErrorMessage error={state.error} onRetry={retry} />;
  const diff = state.value;
  const counts = { added: 0, modified: 0, deleted: 0 };
  for (const file of diff.files) counts[file.status]++;
  return (
    <article className="commit-view" data-testid="commit-view" aria-labelledby="commit-title">
      <h2 id="commit-title" className="section-heading">
        {diff.title || diff.id.slice(0, 10)}
      </h2>
      {diff.message && <pre className="commit-message">{diff.message}</pre>}
      <dl className="metadata commit-facts">
        <div>
          <dt>{text.commit}</dt>
          <dd>
            <code data-testid="commit-sha">{diff.id}</code>
          </dd>
        </div>
        <div>
          <dt>{text.by}</dt>
          <dd>{diff.authors.map((author) => author.user).join(', ')}</dd>
        </div>
        <div>
          <dt>{text.committed}</dt>
          <dd>
            <time dateTime={diff.date}>{formatDate(diff.date, language)}</time>
          </dd>
        </div>
        <div>
          <dt>{text.parent}</dt>
          <dd>
            {diff.parents.length === 0
              ? text.noParent
              : diff.parents.map((parent) => (
                  <Link key={parent} href={repoUrls.commit(base, parent)} data-testid="commit-parent">
                    <code>{parent.slice(0, 10)}</code>
                  </Link>
                ))}
          </dd>
        </div>
      </dl>
      <p>
        <Link href={repoUrls.tree(base, diff.id)}>{text.browseAtCommit}</Link>
      </p>
      <h3>
        {text.changedFiles(diff.files.length)}
        <span className="muted">
          {' '}
          (+{counts.added} · ~{counts.modified} · −{counts.deleted})
        </span>
      </h3>
      {diff.files.length === 0 ? (
        <p className="muted">{text.noChanges}</p>
      ) : (
        <table className="files" data-testid="changed-files">
          <thead>
            <tr>
              <th scope="col">{text.status}</th>
              <th scope="col">{t.fileName}</th>
              <th scope="col" className="numeric">
                {text.sizeChange}
              </th>
            </tr>
          </thead>
          <tbody>
            {diff.files.map((file) => (
              <FileRow key={file.path} file={file} base={base} commit={diff.id} parent={diff.parents[0]} />
            ))}
          </tbody>
        </table>
      )}
    </article>
  );
}
