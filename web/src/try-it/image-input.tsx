// An image for the Try-it form: chosen with the file picker, dropped on the zone, pasted from the
// clipboard (anywhere on the page while the form is shown), or given as a URL; with a preview.
import { useEffect, useState, type DragEvent } from 'react';
import type { MediaValue } from './form-values.js';
import { useTryItStrings } from './try-it-strings.js';

function firstImage(files: FileList | null | undefined): File | undefined {
  return Array.from(files ?? []).find((file) => file.type.startsWith('image/') || file.type === '');
}

const isEditable = (target: EventTarget | null) => target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));

export function ImageInput({ id, label, value, onChange }: { id: string; label: string; value: MediaValue | null; onChange: (value: MediaValue | null) => void }) {
  const s = useTryItStrings();
  const [dragging, setDragging] = useState(false);
  const [preview, setPreview] = useState<string | null>(null);
  const file = value && 'file' in value ? value : null;

  useEffect(() => {
    if (!file) return setPreview(null);
    const url = URL.createObjectURL(file.file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file?.file]);

  // Paste works anywhere on the page, not only with the zone focused, unless a text field has focus.
  useEffect(() => {
    const paste = (event: ClipboardEvent) => {
      if (isEditable(event.target)) return;
      const image = firstImage(event.clipboardData?.files);
      if (!image) return;
      event.preventDefault();
      onChange({ file: image, name: image.name || 'pasted.png' });
    };
    document.addEventListener('paste', paste);
    return () => document.removeEventListener('paste', paste);
  }, [onChange]);

  const drop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const image = firstImage(event.dataTransfer.files);
    if (image) onChange({ file: image, name: image.name });
  };

  return (
    <fieldset className="try-media">
      <legend>{label}</legend>
      <div
        className={dragging ? 'try-drop dragging' : 'try-drop'}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={drop}
        data-testid={`${id}-drop`}
      >
        <label htmlFor={id} className="try-drop-label">
          {s.dropImage}
        </label>
        <input
          id={id}
          type="file"
          accept="image/*"
          onChange={(event) => {
            const image = firstImage(event.target.files);
            if (image) onChange({ file: image, name: image.name });
            event.target.value = '';
          }}
        />
        {file && preview && (
          <div className="try-preview">
            <img src={preview} alt={file.name} />
            <button type="button" className="link-button" onClick={() => onChange(null)}>
              {s.removeFile} {file.name}
            </button>
          </div>
        )}
      </div>
      <label htmlFor={`${id}-url`} className="try-sub-label">
        {s.imageUrl}
      </label>
      <input id={`${id}-url`} type="url" inputMode="url" placeholder="https://" value={value && 'url' in value ? value.url : ''} onChange={(event) => onChange(event.target.value === '' ? null : { url: event.target.value })} />
    </fieldset>
  );
}
