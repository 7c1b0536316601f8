// One table cell, typed by its feature: image thumbnails, audio players, class labels, numbers,
// and text folded past a few lines with a toggle. Media of a private dataset is fetched with the
// signed-in token into a blob URL, because <img>/<audio> cannot send an Authorization header.
import { useEffect, useState } from 'react';
import { apiFetch } from '../api.js';
import { cellOf, foldText } from './cell-format.js';
import type { FeatureType } from './viewer-api.js';
import { useViewerText } from './viewer-text.js';

function useMediaSrc(src: string, authenticated: boolean): string | undefined {
  const [url, setUrl] = useState<string | undefined>(authenticated ? undefined : src);
  useEffect(() => {
    if (!authenticated) {
      setUrl(src);
      return;
    }
    // Only this server's own URLs get the token.
    const target = new URL(src, window.location.origin);
    if (target.origin !== window.location.origin) {
      setUrl(src);
      return;
    }
    const abort = new AbortController();
    let objectUrl: string | undefined;
    apiFetch(`${target.pathname}${target.search}`, { signal: abort.signal })
      .then((response) => response.blob())
      .then((blob) => {
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      })
      .catch(() => undefined);
    return () => {
      abort.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [src, authenticated]);
  return url;
}

function ImageCell({ src, alt, authenticated }: { src: string; alt: string; authenticated: boolean }) {
  const url = useMediaSrc(src, authenticated);
  const text = useViewerText();
  const [failed, setFailed] = useState(false);
  if (failed) return <span className="muted">{text.mediaFailed}</span>;
  return url ? (
    <a href={url} target="_blank" rel="noreferrer">
      <img className="cell-image" src={url} alt={alt} loading="lazy" onError={() => setFailed(true)} />
    </a>
  ) : null;
}

function AudioCell({ sources, authenticated }: { sources: { src: string; type?: string }[]; authenticated: boolean }) {
  const first = sources[0];
  const url = useMediaSrc(first?.src ?? '', authenticated);
  if (!first || !url) return null;
  return <audio className="cell-audio" controls preload="none" src={url} />;
}

function TextCell({ text, truncated }: { text: string; truncated: boolean }) {
  const labels = useViewerText();
  const [open, setOpen] = useState(false);
  const { head, folded } = foldText(text);
  return (
    <div className={text.length > 40 ? 'cell-text cell-text-long' : 'cell-text'}>
      <span>{open ? text : head}</span>
      {truncated && (
        <span className="badge subtle" title={labels.truncatedCell}>
          …
        </span>
      )}
      {folded && (
        <button type="button" className="link-button cell-fold" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? labels.less : labels.more}
        </button>
      )}
    </div>
  );
}

export function DataCell({ type, value, column, truncated, authenticated }: { type: FeatureType | undefined; value: unknown; column: string; truncated: boolean; authenticated: boolean }) {
  const cell = cellOf(type, value);
  switch (cell.kind) {
    case 'null':
      return <span className="cell-null">null</span>;
    case 'image':
      return <ImageCell src={cell.src} alt={column} authenticated={authenticated} />;
    case 'audio':
      return <AudioCell sources={cell.sources} authenticated={authenticated} />;
    case 'label':
      return (
        <span className="cell-label">
          {cell.name !== undefined && <span className="badge">{cell.name}</span>} <span className="muted">{cell.index}</span>
        </span>
      );
    case 'number':
      return <span className="cell-number">{cell.text}</span>;
    case 'bool':
      return <span className="cell-bool">{String(cell.value)}</span>;
    case 'text':
      return <TextCell text={cell.text} truncated={truncated} />;
    case 'json':
      return <TextCell text={cell.text} truncated={truncated} />;
  }
}
