// The files of a repo at its current commit: size, an LFS badge and a download link each.
import { resolveUrl, type RepoType, type TreeEntry } from '../api.js';
import { formatBytes } from '../async-state.js';
import { useI18n } from '../i18n.js';

export function FilesList({ type, repo, revision, entries }: { type: RepoType; repo: string; revision: string; entries: TreeEntry[] }) {
  const { t } = useI18n();
  const files = entries.filter((entry) => entry.type === 'file');
  return (
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
        {files.map((file) => (
          <tr key={file.path}>
            <td>
              <span className="file-path">{file.path}</span>
              {file.lfs && (
                <span className="badge lfs" title="Git LFS">
                  LFS
                </span>
              )}
            </td>
            <td className="numeric">{formatBytes(file.lfs?.size ?? file.size)}</td>
            <td>
              <a href={`${resolveUrl(type, repo, revision, file.path)}?download=true`} download={file.path.split('/').pop()} aria-label={`${t.download} ${file.path}`}>
                {t.download}
              </a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
