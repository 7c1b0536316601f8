// The Dataset viewer tab of a dataset repo: a split picker over /datasets-server/splits, then the
// split's rows (paged, searchable), its column statistics or the SQL console, and the snippets that
// load it. Everything is pinned to the commit the repo page shows, so rows never mix two commits.
import { useState } from 'react';
import { ErrorMessage, Loading, useAsync } from '../async-state.js';
import { SnippetBlock } from '../repo/use-snippets.js';
import { ColumnStats } from './column-stats.js';
import { loadSnippets } from './load-snippets.js';
import { RowsTable } from './rows-table.js';
import { SqlConsole } from './sql-console.js';
import { fetchSplits, type SplitName, type SplitRef } from './viewer-api.js';
import { useViewerText } from './viewer-text.js';
import './dataset-viewer.css';

const VIEWS = ['rows', 'statistics', 'sql'] as const;
type View = (typeof VIEWS)[number];

const splitKey = (split: SplitName) => `${split.config}\u0000${split.split}`;

export function DatasetViewer({ repo, revision, isPrivate }: { repo: string; revision: string; isPrivate: boolean }) {
  const text = useViewerText();
  const [state, retry] = useAsync((signal) => fetchSplits(repo, revision, signal), [repo, revision]);
  const [chosen, setChosen] = useState<string | undefined>();
  const [view, setView] = useState<View>('rows');

  if (state.status === 'loading') return <Loading />;
  if (state.status === 'error') return <ErrorMessage error={state.error} onRetry={retry} />;
  const splits = state.value.splits;
  if (splits.length === 0) return <p className="muted">{text.noSplits}</p>;
  const current = splits.find((split) => splitKey(split) === chosen) ?? splits[0]!;
  const ref: SplitRef = { dataset: repo, config: current.config, split: current.split, revision };
  const oneConfig = new Set(splits.map((split) => split.config)).size === 1;
  const key = `${revision}:${splitKey(current)}`;

  return (
    <div className="dataset-viewer" data-testid="dataset-viewer">
      <div className="viewer-bar">
        <label className="viewer-split">
          <span>{text.split}</span>
          <select value={splitKey(current)} onChange={(event) => setChosen(event.target.value)}>
            {splits.map((split) => (
              <option key={splitKey(split)} value={splitKey(split)}>
                {oneConfig ? split.split : `${split.config} / ${split.split}`}
              </option>
            ))}
          </select>
        </label>
        <div className="viewer-views" role="group" aria-label={text.views}>
          {VIEWS.map((name) => (
            <button key={name} type="button" className="viewer-view-button" aria-pressed={view === name} onClick={() => setView(name)}>
              {text[name]}
            </button>
          ))}
        </div>
      </div>
      {/* Keyed by split: a new split starts on its first page with an empty search. */}
      {view === 'rows' && <RowsTable key={key} split={ref} authenticated={isPrivate} />}
      {view === 'statistics' && <ColumnStats key={key} split={ref} />}
      {view === 'sql' && <SqlConsole key={key} dataset={repo} config={current.config} revision={revision} split={current.split} authenticated={isPrivate} />}
      <section className="panel viewer-load" aria-labelledby="load-dataset-heading">
        <h2 id="load-dataset-heading">{text.loadDataset}</h2>
        {loadSnippets(window.location.origin, repo, current.config, current.split).map((snippet) => (
          <SnippetBlock key={snippet.id} {...snippet} />
        ))}
      </section>
    </div>
  );
}
