// The SQL console: one read-only SELECT over the dataset's splits (each a view named after its
// split), sent to POST /datasets-server/sql; the result as a table, or the server's error with its
// stable code (a refused COPY/ATTACH, a syntax error, a time limit).
import { useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { ErrorMessage } from '../async-state.js';
import { formatCount, sqlTable } from './cell-format.js';
import { DataCell } from './data-cell.js';
import { runSql, type SqlResponse } from './viewer-api.js';
import { useViewerText } from './viewer-text.js';

type RunState = { status: 'idle' } | { status: 'running' } | { status: 'done'; value: SqlResponse } | { status: 'error'; error: unknown };

/** A first query that works on any split name: DuckDB quotes identifiers with double quotes. */
export function defaultQuery(split: string): string {
  return `SELECT *\nFROM "${split.replace(/"/g, '""')}"\nLIMIT 10`;
}

export function SqlConsole({ dataset, config, revision, split, authenticated }: { dataset: string; config: string; revision: string | undefined; split: string; authenticated: boolean }) {
  const text = useViewerText();
  const [query, setQuery] = useState(() => defaultQuery(split));
  const [state, setState] = useState<RunState>({ status: 'idle' });
  const running = useRef<AbortController | null>(null);

  const run = (event?: FormEvent) => {
    event?.preventDefault();
    running.current?.abort();
    const abort = new AbortController();
    running.current = abort;
    setState({ status: 'running' });
    runSql({ dataset, config, revision, query }, abort.signal).then(
      (value) => !abort.signal.aborted && setState({ status: 'done', value }),
      (error: unknown) => !abort.signal.aborted && setState({ status: 'error', error }),
    );
  };
  // Ctrl/Cmd+Enter runs, as in most SQL consoles.
  const keyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) run();
  };
  const table = state.status === 'done' ? sqlTable(state.value) : undefined;

  return (
    <form className="sql-console" onSubmit={run}>
      <label className="field">
        <span>{text.sqlLabel}</span>
        <textarea className="sql-input" rows={5} spellCheck={false} value={query} onChange={(event) => setQuery(event.target.value)} onKeyDown={keyDown} />
      </label>
      <button type="submit" className="button" disabled={state.status === 'running' || !query.trim()}>
        {state.status === 'running' ? text.runningQuery : text.runQuery}
      </button>
      <div className="sql-result" aria-live="polite">
        {state.status === 'error' && <ErrorMessage error={state.error} />}
        {table && (
          <>
            <p className="muted" data-testid="sql-count">
              {text.sqlRows(formatCount(state.status === 'done' ? (state.value.num_rows ?? table.rows.length) : 0))}
              {state.status === 'done' && (state.value.truncated || state.value.partial) && ` · ${text.sqlTruncated}`}
            </p>
            {table.rows.length === 0 ? (
              <p className="muted">{text.sqlEmpty}</p>
            ) : (
              <div className="viewer-table-wrap">
                <table className="viewer-table" data-testid="sql-table">
                  <thead>
                    <tr>
                      {table.columns.map((column, index) => (
                        <th key={`${index}-${column}`} scope="col">
                          {column}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {table.rows.map((row, rowIndex) => (
                      <tr key={rowIndex}>
                        {table.columns.map((column, index) => (
                          <td key={`${index}-${column}`}>
                            <DataCell type={undefined} value={row[index]} column={column} truncated={false} authenticated={authenticated} />
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </div>
    </form>
  );
}
