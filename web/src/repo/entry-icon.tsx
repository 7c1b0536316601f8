// Folder and file icons drawn as SVG: emoji need a font that servers and test machines often lack.
export function EntryIcon({ kind }: { kind: 'folder' | 'file' }) {
  return (
    <svg className="entry-icon" width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      {kind === 'folder' ? (
        <path d="M1.5 3.5h4.2l1.5 1.5h7.3v8.5h-13z" fill="#f4c86a" stroke="#b8892b" />
      ) : (
        <path d="M3.5 1.5h6l3 3v10h-9z M9.5 1.5v3h3" fill="#fff" stroke="#7a8494" />
      )}
    </svg>
  );
}
