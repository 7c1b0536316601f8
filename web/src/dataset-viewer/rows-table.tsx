// The rows of one split, a page of PAGE_SIZE at a time (the dataset viewer's /rows), the rows
// matching a search of the text columns (/search), or those an SQL WHERE keeps, sorted by a column
// header (/filter); typed cells, a pager and the total. Search and filter are one or the other, as
// the two routes are.
import { useState, type FormEvent } from 'react';
import { ErrorMessage, Loading, useAsync } from '../async-state.js';
import { formatCount, pageWindow, typeLabel } from './cell-format.js';
import { DataCell } from './data-cell.js';
import { PredictionCells, PredictionHeaders, useRowPredictions } from './prediction-columns.js';
import { fetchRows, orderByColumn, type SplitRef } from './viewer-api.js';
import { useViewerText, type ViewerText } from './viewer-text.js';

/** Rows per page: HF's viewer pages by 100, the most /rows gives; 25 keeps a page of images light. */
export const PAGE_SIZE = 25;

/** `predictionsJob`: an evaluation job whose predictions are shown beside the rows (opened from its result). */
export function RowsTable({ split, authenticated, predictionsJob }: { split: SplitRef; authenticated: boolean; predictionsJob?: string | undefined }) {
  const text = useViewerText();
  const [page, setPage] = useState(0);
  const [draft, setDraft] = useState('');
  const [query, setQuery] = useState('');
  const [whereDraft, setWhereDraft] = useState('');
  const [where, setWhere] = useState('');
  const [sort, setSort] = useState<{ column: string; descending: boolean } | undefined>();
  const orderby = sort && !query ? orderByColumn(sort.column, sort.descending) : '';
  const [state, retry] = useAsync(
    (signal) => fetchRows({ ...split, offset: page * PAGE_SIZE, length: PAGE_SIZE, query, where: query ? '' : where, orderby }, signal),
    [split.dataset, split.config, split.split, split.revision, page, query, where, orderby],
  );
  const predictions = useRowPredictions(predictionsJob, state.status === 'done' ? state.value.rows.map((entry) => entry.row_idx) : []);

  const search = (event: FormEvent) => {
    event.preventDefault();
    setPage(0);
    setQuery(draft.trim());
    setWhere('');
    setWhereDraft('');
  };
  const filter = (event: FormEvent) => {
    event.preventDefault();
    setPage(0);
    setWhere(whereDraft.trim());
    setQuery('');
    setDraft('');
  };
  const clear = () => {
    setDraft('');
    setQuery('');
    setWhereDraft('');
    setWhere('');
    setPage(0);
  };
  // Ascending, then descending, then the file's own order.
  const toggleSort = (column: string) => {
    setPage(0);
    setSort(sort?.column !== column ? { column, descending: false } : sort.descending ? undefined : { column, descending: true });
  };

  return (
    <div className="rows-view">
      <form className="viewer-search" role="search" onSubmit={search}>
        <input type="search" aria-label={text.searchLabel} placeholder={text.searchPlaceholder} value={draft} onChange={(event) => setDraft(event.target.value)} />
        <button type="submit" className="button secondary">
          {text.search}
        </button>
        {(query || where) && (
          <button type="button" className="link-button" onClick={clear}>
            {text.clearSearch}
          </button>
        )}
      </form>
      <form className="viewer-search" onSubmit={filter}>
        <input className="viewer-where" aria-label={text.whereLabel} placeholder={text.wherePlaceholder} value={whereDraft} onChange={(event) => setWhereDraft(event.target.value)} spellCheck={false} />
        <button type="submit" className="button secondary">
          {text.filter}
        </button>
      </form>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorMessage error={state.error} onRetry={retry} />}
      {state.status === 'done' && (
        <>
          <p className="muted viewer-count" data-testid="rows-count">
            {countLine(text, { total: state.value.num_rows_total, shown: state.value.rows.length, offset: page * PAGE_SIZE, query, where })}
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
                    {predictionsJob && <PredictionHeaders />}
                    {state.value.features.map((feature) => {
                      const sorted = sort?.column === feature.name && !query ? (sort.descending ? 'descending' : 'ascending') : undefined;
                      return (
                        <th key={feature.name} scope="col" aria-sort={sorted ?? 'none'}>
                          {/* /search has no order: sorting waits until the search is cleared. */}
                          <button type="button" className="column-sort" disabled={!!query} title={text.sortBy(feature.name)} onClick={() => toggleSort(feature.name)}>
                            <span className="column-name">
                              {feature.name}
                              {sorted && <span aria-hidden="true">{sorted === 'ascending' ? ' ▲' : ' ▼'}</span>}
                            </span>
                            <span className="column-type">{typeLabel(feature.type)}</span>
                          </button>
                        </th>
                      );
                    })}
                  </tr>
                </thead>
                <tbody>
                  {state.value.rows.map((entry) => (
                    <tr key={entry.row_idx}>
                      <td className="row-index">{entry.row_idx}</td>
                      {predictionsJob && <PredictionCells prediction={predictions.get(entry.row_idx)} />}
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

/** "Rows 26–50 of 4,837", with what a search or filter matched in front. */
function countLine(text: ViewerText, { total, shown, offset, query, where }: { total: number; shown: number; offset: number; query: string; where: string }): string {
  if (query) return text.searchResults(formatCount(total), query);
  const parts = where ? [text.filterResults(formatCount(total))] : [];
  if (shown > 0) parts.push(text.showing(formatCount(offset + 1), formatCount(offset + shown), formatCount(total)));
  return parts.join(' · ');
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
