// The Dataset viewer tab of a dataset repo: a split picker over /datasets-server/splits, then the
// split's rows (paged, searchable), its column statistics or the SQL console, and the snippets that
// load it. Everything is pinned to the commit the repo page shows, so rows never mix two commits —
// or, opened from an evaluation (`?predictions=<job>`), to the commit, config and split the job
// scored, with its predictions beside the rows.
import { useState } from 'react';
import { ErrorMessage, Loading, useAsync } from '../async-state.js';
import { EVALUATION_TEXT } from '../evaluation/evaluation-text.js';
import { fetchPredictions } from '../evaluation/predictions-api.js';
import { useI18n } from '../i18n.js';
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
  const evaluationText = EVALUATION_TEXT[useI18n().language];
  const predictionsJob = new URLSearchParams(window.location.search).get('predictions') ?? undefined;
  const [job] = useAsync((signal) => (predictionsJob ? fetchPredictions(predictionsJob, [0], signal) : Promise.resolve(undefined)), [predictionsJob]);
  const scored = job.status === 'done' && job.value && job.value.dataset.toLowerCase() === repo.toLowerCase() ? job.value : undefined;
  const pinned = scored?.dataset_commit ?? revision;
  const [state, retry] = useAsync((signal) => fetchSplits(repo, pinned, signal), [repo, pinned]);
  const [chosen, setChosen] = useState<string | undefined>();
  const [view, setView] = useState<View>('rows');

  if (state.status === 'loading' || job.status === 'loading') return <Loading />;
  if (state.status === 'error') return <ErrorMessage error={state.error} onRetry={retry} />;
  const splits = state.value.splits;
  if (splits.length === 0) return <p className="muted">{text.noSplits}</p>;
  const current = splits.find((split) => splitKey(split) === chosen) ?? (scored && splits.find((split) => split.config === scored.config && split.split === scored.split)) ?? splits[0]!;
  const ref: SplitRef = { dataset: repo, config: current.config, split: current.split, revision: pinned };
  const predictionsShown = scored && current.config === scored.config && current.split === scored.split ? scored.job_id : undefined;
  const oneConfig = new Set(splits.map((split) => split.config)).size === 1;
  const key = `${pinned}:${splitKey(current)}`;

  return (
    <div className="dataset-viewer" data-testid="dataset-viewer">
      {/* Someone else's job (or a signed-out visitor) gets the job's 404: the rows stay, without predictions. */}
      {job.status === 'error' && <ErrorMessage error={job.error} />}
      {scored && (
        <p className="muted" data-testid="predictions-banner">
          {evaluationText.predictionsOf(scored.job_id, `${scored.model}@${scored.model_commit.slice(0, 7)}`)}
        </p>
      )}
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
      {view === 'rows' && <RowsTable key={key} split={ref} authenticated={isPrivate} predictionsJob={predictionsShown} />}
      {view === 'statistics' && <ColumnStats key={key} split={ref} />}
      {view === 'sql' && <SqlConsole key={key} dataset={repo} config={current.config} revision={pinned} split={current.split} authenticated={isPrivate} />}
      <section className="panel viewer-load" aria-labelledby="load-dataset-heading">
        <h2 id="load-dataset-heading">{text.loadDataset}</h2>
        {loadSnippets(window.location.origin, repo, current.config, current.split).map((snippet) => (
          <SnippetBlock key={snippet.id} {...snippet} />
        ))}
      </section>
    </div>
  );
}
