// The rows of one split, a page of PAGE_SIZE at a time (the dataset viewer's /rows), or the rows
// matching a search of the text columns (/search); typed cells, a pager and the total.
import { useState, type FormEvent } from 'react';
import { ErrorMessage, Loading, useAsync } from '../async-state.js';
import { formatCount, pageWindow, typeLabel } from './cell-format.js';
import { DataCell } from './data-cell.js';
import { fetchRows, type SplitRef } from './viewer-api.js';
import { useViewerText } from './viewer-text.js';

/** Rows per page: HF's viewer pages by 100, the most /rows gives; 25 keeps a page of images light. */
export const PAGE_SIZE = 25;

export function RowsTable({ split, authenticated }: { split: SplitRef; authenticated: boolean }) {
  const text = useViewerText();
  const [page, setPage] = useState(0);
  const [draft, setDraft] = useState('');
  const [query, setQuery] = useState('');
  const [state, retry] = useAsync((signal) => fetchRows({ ...split, offset: page * PAGE_SIZE, length: PAGE_SIZE, query }, signal), [split.dataset, split.config, split.split, split.revision, page, query]);

  const search = (event: FormEvent) => {
    event.preventDefault();
    setPage(0);
    setQuery(draft.trim());
  };
  const clear = () => {
    setDraft('');
    setQuery('');
    setPage(0);
  };

  return (
    <div className="rows-view">
      <form className="viewer-search" role="search" onSubmit={search}>
        <input type="search" aria-label={text.searchLabel} placeholder={text.searchPlaceholder} value={draft} onChange={(event) => setDraft(event.target.value)} />
        <button type="submit" className="button secondary">
          {text.search}
        </button>
        {query && (
          <button type="button" className="link-button" onClick={clear}>
            {text.clearSearch}
          </button>
        )}
      </form>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorMessage error={state.error} onRetry={retry} />}
      {state.status === 'done' && (
        <>
          <p className="muted viewer-count" data-testid="rows-count">
            {query
              ? text.searchResults(formatCount(state.value.num_rows_total), query)
              : state.value.rows.length > 0
                ? text.showing(formatCount(page * PAGE_SIZE + 1), formatCount(page * PAGE_SIZE + state.value.rows.length), formatCount(state.value.num_rows_total))
                : ''}
            {state.value.partial && text.partial}
          </p>
          {state.value.rows.length === 0 ? (
            <p className="muted">{text.noRows}</p>
          ) : (
            <div className="viewer-table-wrap">
              <table className="viewer-table" data-testid="rows-table">
                <thead>
                  <tr>
                    <th scope="col" className="row-index">
                      {text.rowIndex}
                    </th>
                    {state.value.features.map((feature) => (
                      <th key={feature.name} scope="col">
                        <span className="column-name">{feature.name}</span>
                        <span className="column-type">{typeLabel(feature.type)}</span>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {state.value.rows.map((entry) => (
                    <tr key={entry.row_idx}>
                      <td className="row-index">{entry.row_idx}</td>
                      {state.value.features.map((feature) => (
                        <td key={feature.name} data-column={feature.name}>
                          <DataCell type={feature.type} value={entry.row[feature.name]} column={feature.name} truncated={entry.truncated_cells.includes(feature.name)} authenticated={authenticated} />
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <Pager page={page} pages={Math.ceil(state.value.num_rows_total / PAGE_SIZE)} onPage={setPage} />
        </>
      )}
    </div>
  );
}

function Pager({ page, pages, onPage }: { page: number; pages: number; onPage: (page: number) => void }) {
  const text = useViewerText();
  if (pages <= 1) return null;
  return (
    <nav className="viewer-pager" aria-label={text.pages}>
      <button type="button" className="link-button" disabled={page === 0} onClick={() => onPage(page - 1)}>
        {text.previous}
      </button>
      {pageWindow(page, pages).map((entry, index) =>
        entry === null ? (
          <span key={`gap-${index}`} className="muted">
            …
          </span>
        ) : (
          <button key={entry} type="button" className="link-button" aria-current={entry === page ? 'page' : undefined} aria-label={text.page(entry + 1)} onClick={() => onPage(entry)}>
            {entry + 1}
          </button>
        ),
      )}
      <button type="button" className="link-button" disabled={page >= pages - 1} onClick={() => onPage(page + 1)}>
        {text.next}
      </button>
    </nav>
  );
}
