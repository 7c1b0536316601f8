// For a signed-in user with write access: upload files and edit the model card, each one commit
// through the Hugging Face NDJSON commit API (files inline, so this suits small files).
import { useState, type FormEvent } from 'react';
import { commitFiles, type RepoType } from '../api.js';
import { ErrorMessage } from '../async-state.js';
import { useI18n } from '../i18n.js';

export function UploadFiles({ type, repo, onCommitted }: { type: RepoType; repo: string; onCommitted: () => void }) {
  const { t } = useI18n();
  const [files, setFiles] = useState<File[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (files.length === 0) return;
    setBusy(true);
    setError(null);
    try {
      await commitFiles(type, repo, files.map((file) => ({ path: file.webkitRelativePath || file.name, content: file })), `Upload ${files.map((file) => file.name).join(', ')}`);
      setFiles([]);
      onCommitted();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="panel" onSubmit={(event) => void submit(event)} aria-labelledby="upload-heading">
      <h2 id="upload-heading">{t.uploadFiles}</h2>
      <label htmlFor="upload-input" className="visually-hidden">
        {t.uploadFiles}
      </label>
      <input id="upload-input" type="file" multiple onChange={(event) => setFiles(Array.from(event.target.files ?? []))} />
      <button type="submit" className="button" disabled={busy || files.length === 0}>
        {busy ? t.uploading : t.upload}
      </button>
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
