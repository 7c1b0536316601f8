// For a signed-in user with write access: upload files and folders (large and binary ones through
// Git LFS, with progress) and edit the model card, each one commit through the Hugging Face commit API.
import { useRef, useState, type DragEvent, type FormEvent } from 'react';
import { commitFiles, type RepoType } from '../api.js';
import { ErrorMessage, formatBytes } from '../async-state.js';
import { useI18n } from '../i18n.js';
import { filesOfDrop, filesOfInput, mergePicked } from '../upload/picked-files.js';
import { uploadToRepo, type FileState, type PickedFile, type UploadEvent } from '../upload/upload-to-repo.js';
import './manage-repo.css';

const TEXT = {
  zh: {
    drop: '拖入文件或文件夹，或',
    chooseFiles: '选择文件',
    chooseFolder: '选择文件夹',
    pending: (count: number, size: string) => `待上传 ${count} 个文件，共 ${size}`,
    remove: '移除',
    clear: '清空',
    message: '提交说明',
    defaultMessage: (count: number) => `上传 ${count} 个文件`,
    total: '总进度',
    cancelUpload: '取消上传',
    cancelled: '上传已取消，仓库未改变。',
    done: (sha: string) => `已提交 ${sha}`,
    state: { waiting: '等待', hashing: '计算校验和', uploading: '上传中', stored: '已上传', committed: '已提交' } as Record<FileState, string>,
    lfs: 'LFS',
    inline: '直接提交',
    phase: { preuploading: '检查文件…', hashing: '计算校验和…', uploading: '上传大文件…', committing: '提交中…' } as Record<string, string>,
  },
  en: {
    drop: 'Drop files or folders here, or',
    chooseFiles: 'choose files',
    chooseFolder: 'choose a folder',
    pending: (count: number, size: string) => `${count} file${count === 1 ? '' : 's'} to upload, ${size} in all`,
    remove: 'Remove',
    clear: 'Clear',
    message: 'Commit message',
    defaultMessage: (count: number) => `Upload ${count} file${count === 1 ? '' : 's'}`,
    total: 'Total',
    cancelUpload: 'Cancel upload',
    cancelled: 'Upload cancelled; the repo is unchanged.',
    done: (sha: string) => `Committed ${sha}`,
    state: { waiting: 'Waiting', hashing: 'Hashing', uploading: 'Uploading', stored: 'Uploaded', committed: 'Committed' } as Record<FileState, string>,
    lfs: 'LFS',
    inline: 'Inline',
    phase: { preuploading: 'Checking files…', hashing: 'Hashing…', uploading: 'Uploading large files…', committing: 'Committing…' } as Record<string, string>,
  },
};

interface FileProgress {
  state: FileState;
  bytes: number;
  mode?: 'lfs' | 'regular';
}

/** Bytes of a file that count as sent: LFS bytes as they are PUT, inline files once committed. */
function sentBytes(progress: FileProgress | undefined, size: number): number {
  if (!progress) return 0;
  if (progress.state === 'committed' || progress.state === 'stored') return size;
  return progress.state === 'uploading' ? progress.bytes : 0;
}

// The last upload's outcome per repo. onCommitted makes the repo page reload, which remounts this
// panel, so the "committed" line has to outlive the component that showed it.
const lastOutcome = new Map<string, string>();

export function UploadFiles({ type, repo, onCommitted }: { type: RepoType; repo: string; onCommitted: () => void }) {
  const { t, language } = useI18n();
  const text = TEXT[language];
  const outcomeKey = `${type}:${repo}`;
  const [files, setFiles] = useState<PickedFile[]>([]);
  const [progress, setProgress] = useState<Record<string, FileProgress>>({});
  const [phase, setPhase] = useState<string | null>(null);
  const [message, setMessage] = useState('');
  const [dragging, setDragging] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNoticeState] = useState<string | null>(() => lastOutcome.get(outcomeKey) ?? null);
  const setNotice = (value: string | null) => {
    if (value === null) lastOutcome.delete(outcomeKey);
    else lastOutcome.set(outcomeKey, value);
    setNoticeState(value);
  };
  const abort = useRef<AbortController | null>(null);
  const busy = phase !== null;
  const totalSize = files.reduce((sum, picked) => sum + picked.file.size, 0);
  const totalSent = files.reduce((sum, picked) => sum + sentBytes(progress[picked.path], picked.file.size), 0);

  const add = (added: PickedFile[]) => {
    if (busy || added.length === 0) return;
    setFiles((current) => mergePicked(current, added));
    setNotice(null);
    setError(null);
  };
  const drop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    filesOfDrop(event.dataTransfer).then(add, setError);
  };
  const onEvent = (event: UploadEvent) => {
    if (event.event === 'phase') setPhase(event.phase);
    else if (event.event === 'plan') setProgress(Object.fromEntries(event.files.map((file) => [file.path, { state: 'waiting', bytes: 0, mode: file.mode }])));
    else if (event.event === 'file') setProgress((current) => ({ ...current, [event.path]: { ...current[event.path], state: event.state, bytes: event.bytes } }));
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (files.length === 0 || busy) return;
    const controller = new AbortController();
    abort.current = controller;
    setPhase('preuploading');
    setError(null);
    setNotice(null);
    setProgress({});
    try {
      const result = await uploadToRepo({ type, repo, files, summary: message.trim() || text.defaultMessage(files.length), signal: controller.signal, onEvent });
      setNotice(text.done(result.commitOid.slice(0, 10)));
      setFiles([]);
      setMessage('');
      onCommitted();
    } catch (failure) {
      if (controller.signal.aborted) setNotice(text.cancelled);
      else setError(failure);
    } finally {
      abort.current = null;
      setPhase(null);
    }
  };

  return (
    <form className="panel upload-files" onSubmit={(event) => void submit(event)} aria-labelledby="upload-heading">
      <h2 id="upload-heading">{t.uploadFiles}</h2>
      <div
        className={`upload-drop${dragging ? ' dragging' : ''}`}
        data-testid="upload-drop"
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={drop}
      >
        {text.drop}{' '}
        <label className="link-button">
          {text.chooseFiles}
          <input id="upload-input" className="visually-hidden" type="file" multiple disabled={busy} data-testid="upload-files-input" onChange={(event) => { add(filesOfInput(event.target.files)); event.target.value = ''; }} />
        </label>{' '}
        /{' '}
        <label className="link-button">
          {text.chooseFolder}
          <input className="visually-hidden" type="file" multiple disabled={busy} data-testid="upload-folder-input" ref={(input) => input?.setAttribute('webkitdirectory', '')} onChange={(event) => { add(filesOfInput(event.target.files)); event.target.value = ''; }} />
        </label>
      </div>
      {files.length > 0 && (
        <>
          <p className="muted">{text.pending(files.length, formatBytes(totalSize))}</p>
          <ul className="upload-list" data-testid="upload-list">
            {files.map((picked) => {
              const file = progress[picked.path];
              const done = file?.state === 'hashing' ? file.bytes : sentBytes(file, picked.file.size);
              return (
                <li key={picked.path} data-path={picked.path} data-state={file?.state ?? 'waiting'}>
                  <div className="upload-file-head">
                    <span className="file-path">{picked.path}</span>
                    <span className="muted">{formatBytes(picked.file.size)}</span>
                    {file?.mode && <span className={`badge${file.mode === 'lfs' ? ' lfs' : ' subtle'}`}>{file.mode === 'lfs' ? text.lfs : text.inline}</span>}
                    {!busy && (
                      <button type="button" className="link-button" onClick={() => setFiles((current) => current.filter((other) => other.path !== picked.path))}>
                        {text.remove}
                      </button>
                    )}
                  </div>
                  <div className="upload-file-progress">
                    <progress max={picked.file.size || 1} value={picked.file.size === 0 && file?.state === 'committed' ? 1 : done} aria-label={picked.path} />
                    <span className="upload-state">{text.state[file?.state ?? 'waiting']}</span>
                  </div>
                </li>
              );
            })}
          </ul>
          <div className="upload-total">
            <label htmlFor="upload-total">{text.total}</label>
            <progress id="upload-total" data-testid="upload-total" max={totalSize || 1} value={totalSent} />
            <span>
              {formatBytes(totalSent)} / {formatBytes(totalSize)}
            </span>
          </div>
        </>
      )}
      <div className="field">
        <label htmlFor="upload-message">{text.message}</label>
        <input id="upload-message" value={message} placeholder={text.defaultMessage(files.length)} disabled={busy} onChange={(event) => setMessage(event.target.value)} />
      </div>
      <div className="upload-actions">
        <button type="submit" className="button" disabled={busy || files.length === 0}>
          {busy ? t.uploading : t.upload}
        </button>
        {busy && (
          <button type="button" className="button secondary" onClick={() => abort.current?.abort(new DOMException(text.cancelled, 'AbortError'))}>
            {text.cancelUpload}
          </button>
        )}
        {!busy && files.length > 0 && (
          <button type="button" className="link-button" onClick={() => setFiles([])}>
            {text.clear}
          </button>
        )}
        {phase && (
          <span className="muted" role="status">
            {text.phase[phase]}
          </span>
        )}
      </div>
      {notice && (
        <p className="muted" role="status" data-testid="upload-notice">
          {notice}
        </p>
      )}
      {error !== null && <ErrorMessage error={error} />}
    </form>
  );
}

export function EditCard({ type, repo, markdown, onCommitted, onCancel }: { type: RepoType; repo: string; markdown: string; onCommitted: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [text, setText] = useState(markdown);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await commitFiles(type, repo, [{ path: 'README.md', content: new Blob([text], { type: 'text/markdown' }) }], 'Update README.md');
      onCommitted();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(event) => void submit(event)} className="edit-card">
      <div className="field">
        <label htmlFor="card-editor">{t.editCard} (README.md)</label>
        <textarea id="card-editor" className="code" rows={18} value={text} onChange={(event) => setText(event.target.value)} />
      </div>
      <button type="submit" className="button" disabled={busy}>
        {t.save}
      </button>
      <button type="button" className="link-button" onClick={onCancel}>
        {t.cancel}
      </button>
      {error !== null && <ErrorMessage error={error} />}
    </form>
  );
}
