// One benchmark's leaderboard: filters (verified only, one task), a bar chart of the ranking metric
// with the reference rows (human baseline, papers) drawn as dashed lines, and a table sortable by
// any column, model rows and reference rows together.
import { useState } from 'react';
import { ErrorMessage, formatDate, Loading, useAsync } from '../async-state.js';
import { useI18n } from '../i18n.js';
import { Link, repoPath } from '../router.js';
import type { Leaderboard, LeaderboardRow, ReferenceRowView } from '../../../src/client/leaderboard-types.js';
import { formatScore, getLeaderboard } from './leaderboard-api.js';
import { useLeaderboardText } from './leaderboard-text.js';
import './leaderboard.css';

type SortKey = 'rank' | 'model' | 'score' | 'date' | `task:${string}`;

/** A model row or a reference row, as one table line. */
interface Line {
  key: string;
  kind: 'model' | 'reference';
  name: string;
  commit: string | null;
  current: boolean;
  rank: number | null;
  score: number | null;
  tasks: Record<string, number | undefined>;
  status: 'verified' | 'self-reported' | 'reported';
  date: string;
  link: { url: string; label: string } | null;
  jobId: string | null;
  problems: string[];
}

function modelLine(row: LeaderboardRow): Line {
  const jobId = Object.values(row.tasks).find((value) => value.job_id)?.job_id ?? null;
  const source = Object.values(row.tasks).find((value) => value.source)?.source ?? null;
  return {
    key: `${row.model}@${row.commit}`,
    kind: 'model',
    name: row.model,
    commit: row.commit,
    current: row.current,
    rank: row.rank,
    score: row.score,
    tasks: Object.fromEntries(Object.entries(row.tasks).map(([task, value]) => [task, value.value])),
    status: row.status,
    date: row.date,
    link: source ? { url: source.url, label: source.name ?? source.url } : null,
    jobId,
    problems: row.problems,
  };
}

function referenceLine(row: ReferenceRowView): Line {
  return {
    key: `reference:${row.name}`,
    kind: 'reference',
    name: row.name,
    commit: null,
    current: true,
    rank: null,
    score: row.score,
    tasks: row.scores,
    status: 'reported',
    date: row.date ?? '',
    link: { url: row.source.url, label: row.source.name ?? row.source.url },
    jobId: null,
    problems: [],
  };
}

function sortValue(line: Line, key: SortKey): number | string | null {
  if (key === 'rank') return line.rank;
  if (key === 'model') return line.name.toLowerCase();
  if (key === 'score') return line.score;
  if (key === 'date') return line.date || null;
  return line.tasks[key.slice('task:'.length)] ?? null;
}

function sortLines(lines: Line[], key: SortKey, descending: boolean): Line[] {
  return [...lines].sort((a, b) => {
    const x = sortValue(a, key);
    const y = sortValue(b, key);
    // Missing values (unranked, no score) go last in either direction.
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    const order = x < y ? -1 : x > y ? 1 : 0;
    return descending ? -order : order;
  });
}

function BarChart({ board }: { board: Leaderboard }) {
  const text = useLeaderboardText();
  const bars = board.rows.filter((row) => row.rank !== null).slice(0, 20);
  const references = board.reference_rows.filter((row) => row.score !== null);
  const values = [...bars.map((row) => row.score), ...references.map((row) => row.score!)];
  if (values.length === 0) return null;
  const max = Math.max(...values, 0) || 1;
  const labelWidth = 200;
  const plotWidth = 460;
  const barHeight = 22;
  const top = 18;
  const height = top + bars.length * barHeight + 24;
  const x = (value: number) => labelWidth + (Math.max(0, value) / max) * plotWidth;
  return (
    <figure className="leaderboard-chart">
      <figcaption>{text.chart(board.metric)}</figcaption>
      <svg role="img" aria-label={text.chart(board.metric)} viewBox={`0 0 ${labelWidth + plotWidth + 90} ${height}`} width="100%" data-testid="leaderboard-chart">
        {bars.map((row, index) => (
          <g key={`${row.model}@${row.commit}`} data-testid="chart-bar" data-model={row.model}>
            <text x={labelWidth - 6} y={top + index * barHeight + 15} textAnchor="end" className="chart-label">
              {row.model}
            </text>
            <rect x={labelWidth} y={top + index * barHeight + 3} width={Math.max(1, x(row.score) - labelWidth)} height={barHeight - 6} className={row.status === 'verified' ? 'bar verified' : 'bar'} />
            <text x={x(row.score) + 4} y={top + index * barHeight + 15} className="chart-value">
              {formatScore(row.score, board.display)}
            </text>
          </g>
        ))}
        {references.map((row) => (
          <g key={row.name} data-testid="chart-reference" data-name={row.name}>
            <line x1={x(row.score!)} x2={x(row.score!)} y1={top - 4} y2={height - 18} className="reference-line" />
            <text x={x(row.score!)} y={height - 4} textAnchor="middle" className="chart-reference-label">
              {row.name} {formatScore(row.score, board.display)}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}

export function LeaderboardView({ id }: { id: string }) {
  const text = useLeaderboardText();
  const { language } = useI18n();
  const [verifiedOnly, setVerifiedOnly] = useState(false);
  const [task, setTask] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'rank', descending: false });
  const [state, retry] = useAsync((signal) => getLeaderboard(id, { verifiedOnly, task }, signal), [id, verifiedOnly, task]);
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'error') return <ErrorMessage error={state.error} onRetry={retry} />;
  const board = state.value;
  const lines = sortLines([...board.rows.map(modelLine), ...board.reference_rows.map(referenceLine)], sort.key, sort.descending);
  const header = (key: SortKey, label: string) => {
    const active = sort.key === key;
    return (
      <th key={key} aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
        <button type="button" className="sort-button" onClick={() => setSort({ key, descending: active ? !sort.descending : key === 'score' || key.startsWith('task:') ? board.higher_is_better : key === 'date' })}>
          {label}
          {active ? (sort.descending ? ' ↓' : ' ↑') : ''}
        </button>
      </th>
    );
  };
  const shownTasks = task ? board.tasks.filter((entry) => entry.id === task) : board.tasks;
  return (
    <section className="leaderboard" data-testid="leaderboard" aria-label={board.name}>
      <h2>{board.name}</h2>
      {board.description && <p className="muted">{board.description}</p>}
      <p className="muted">
        {board.metric} · {board.higher_is_better ? text.higherBetter : text.lowerBetter} · <code>{board.dataset_commit.slice(0, 10)}</code>
      </p>
      <div className="leaderboard-filters">
        <label>
          <input type="checkbox" checked={verifiedOnly} onChange={(event) => setVerifiedOnly(event.target.checked)} data-testid="verified-only" /> {text.verifiedOnly}
        </label>
        {board.tasks.length > 1 && (
          <label>
            {text.task}{' '}
            <select value={task} onChange={(event) => setTask(event.target.value)} data-testid="task-filter">
              <option value="">{text.allTasks}</option>
              {board.tasks.map((entry) => (
                <option key={entry.id} value={entry.id}>
                  {entry.name}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <BarChart board={board} />
      {board.rows.length === 0 && <p className="muted">{text.noRows}</p>}
      <div className="table-scroll">
        <table className="leaderboard-table" data-testid="leaderboard-table">
          <thead>
            <tr>
              {header('rank', text.rank)}
              {header('model', text.model)}
              {header('score', shownTasks.length > 1 ? text.score(board.metric) : board.metric)}
              {shownTasks.length > 1 && shownTasks.map((entry) => header(`task:${entry.id}`, entry.name))}
              <th>{text.status}</th>
              {header('date', text.date)}
            </tr>
          </thead>
          <tbody>
            {lines.map((line) => (
              <tr key={line.key} data-testid={line.kind === 'model' ? 'model-row' : 'reference-row'} data-model={line.name} className={line.kind === 'reference' ? 'reference' : line.current ? '' : 'older'}>
                <td>{line.rank ?? '—'}</td>
                <td>
                  {line.kind === 'model' ? <Link href={repoPath('model', line.name)}>{line.name}</Link> : <strong>{line.name}</strong>}
                  {line.commit && (
                    <>
                      {' '}
                      <code title={line.commit}>@{line.commit.slice(0, 7)}</code>
                    </>
                  )}
                  {!line.current && <span className="badge subtle">{text.olderRevision}</span>}
                  {line.problems.length > 0 && (
                    <div className="error-inline">
                      {text.problem}
                      {line.problems.join('; ')}
                    </div>
                  )}
                </td>
                <td className="number" data-testid="score">
                  {formatScore(line.score, board.display)}
                </td>
                {shownTasks.length > 1 && shownTasks.map((entry) => <td key={entry.id} className="number">{formatScore(line.tasks[entry.id] ?? null, board.display)}</td>)}
                <td>
                  <span className={`badge status-${line.status}`} data-testid="status">
                    {line.status === 'verified' ? text.verified : line.status === 'reported' ? text.reported : text.selfReported}
                  </span>
                  {line.jobId && (
                    <>
                      {' '}
                      <Link href="/jobs">{text.job}</Link>
                    </>
                  )}
                  {line.link && line.kind === 'reference' && (
                    <>
                      {' '}
                      <a href={line.link.url} rel="noreferrer noopener" target="_blank">
                        {line.link.label}
                      </a>
                    </>
                  )}
                </td>
                <td>{line.date ? formatDate(line.date, language) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
