// One file at a revision: its size and LFS badge, its text when it is small UTF-8 text, otherwise a
// download link. The text is fetched only below MAX_SHOWN_BYTES, so a big file never lands in the page.
import { ApiError, resolveUrl, type RepoType } from '../api.js';
import { ErrorMessage, formatBytes, Loading, useAsync } from '../async-state.js';
import { Breadcrumbs } from './breadcrumbs.js';
import { useBrowseText } from './browse-text.js';
import { pathInfo, readTextFile } from './history-api.js';

/** Larger files are offered for download only: a browser tab chokes on megabytes of <pre>. */
export const MAX_SHOWN_BYTES = 512 * 1024;

type Shown = { kind: 'text'; text: string; size: number; lfs: boolean } | { kind: 'download'; reason: 'lfs' | 'large' | 'binary'; size: number; lfs: boolean } | { kind: 'folder' };

async function loadFile(type: RepoType, repo: string, revision: string, path: string, signal: AbortSignal): Promise<Shown> {
  const entry = await pathInfo(type, repo, revision, path, signal);
  if (!entry) throw new ApiError(`${path} does not exist on "${revision}"`, 404, 'HUB_ENTRY_NOT_FOUND');
  if (entry.type === 'directory') return { kind: 'folder' };
  const size = entry.lfs?.size ?? entry.size;
  const lfs = entry.lfs !== undefined;
  if (lfs) return { kind: 'download', reason: 'lfs', size, lfs };
  if (size > MAX_SHOWN_BYTES) return { kind: 'download', reason: 'large', size, lfs };
  const content = await readTextFile(type, repo, revision, path, signal);
  return content.kind === 'text' ? { kind: 'text', text: content.text, size, lfs } : { kind: 'download', reason: 'binary', size, lfs };
}

export function FileView({ type, repo, base, revision, path }: { type: RepoType; repo: string; base: string; revision: string; path: string }) {
  const text = useBrowseText();
  const [state, retry] = useAsync((signal) => loadFile(type, repo, revision, path, signal), [type, repo, revision, path]);
  const url = resolveUrl(type, repo, revision, path);
  const name = path.split('/').pop() ?? path;
  return (
    <>
      <Breadcrumbs base={base} repo={repo} revision={revision} path={path} />
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorMessage error={state.error} onRetry={retry} />}
      {state.status === 'done' && state.value.kind === 'folder' && <p className="muted">{text.notAFile}</p>}
      {state.status === 'done' && state.value.kind !== 'folder' && (
        <section className="file-view" data-testid="file-view" aria-label={path}>
          <div className="file-view-head">
            <span>{formatBytes(state.value.size)}</span>
            {state.value.lfs && (
              <span className="badge lfs" title={text.lfsTitle}>
                LFS
              </span>
            )}
            <span className="file-view-actions">
              <a href={url} target="_blank" rel="noreferrer">
                {text.rawFile}
              </a>
              <a href={`${url}?download=true`} download={name}>
                {text.downloadFile}
              </a>
            </span>
          </div>
          {state.value.kind === 'text' ? (
            <pre className="file-text" tabIndex={0} data-testid="file-text">
              <code>{state.value.text}</code>
            </pre>
          ) : (
            <p className="file-notice">
              {state.value.reason === 'lfs' ? text.lfsFile : state.value.reason === 'large' ? text.tooLarge(formatBytes(state.value.size)) : text.binaryFile}{' '}
              <a href={`${url}?download=true`} download={name} className="button secondary">
                {text.downloadFile}
              </a>
            </p>
          )}
        </section>
      )}
    </>
  );
}
