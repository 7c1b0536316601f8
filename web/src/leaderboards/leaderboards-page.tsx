// `/leaderboards` (lazy-loaded): every benchmark the visitor can read, with its leader and size;
// `/leaderboards/{ns}/{name}`: one benchmark's leaderboard.
import { ErrorMessage, Loading, useAsync } from '../async-state.js';
import { Link } from '../router.js';
import { formatScore, listLeaderboards } from './leaderboard-api.js';
import { useLeaderboardText } from './leaderboard-text.js';
import { LeaderboardView } from './leaderboard-view.js';
import './leaderboard.css';

export default function LeaderboardsPage({ benchmark }: { benchmark?: string }) {
  const text = useLeaderboardText();
  const [state, retry] = useAsync((signal) => (benchmark ? Promise.resolve([]) : listLeaderboards({ signal })), [benchmark]);
  if (benchmark) {
    return (
      <div className="leaderboards-page">
        <p>
          <Link href="/leaderboards">{text.title}</Link> / <Link href={`/datasets/${benchmark}`}>{benchmark}</Link>
        </p>
        <LeaderboardView id={benchmark} />
      </div>
    );
  }
  return (
    <div className="leaderboards-page">
      <h1>{text.title}</h1>
      <p className="muted">{text.intro}</p>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorMessage error={state.error} onRetry={retry} />}
      {state.status === 'done' && state.value.length === 0 && <p>{text.none}</p>}
      {state.status === 'done' && state.value.length > 0 && (
        <table className="leaderboard-table" data-testid="leaderboards">
          <thead>
            <tr>
              <th>{text.benchmark}</th>
              <th>{text.task}</th>
              <th>{text.models}</th>
              <th>{text.leader}</th>
            </tr>
          </thead>
          <tbody>
            {state.value.map((entry) => (
              <tr key={entry.id} data-testid="benchmark" data-id={entry.id}>
                <td>
                  <Link href={`/leaderboards/${entry.id}`}>{entry.name}</Link> <span className="muted">{entry.id}</span>
                  {entry.error && (
                    <div className="error-inline" data-testid="benchmark-error">
                      {text.invalid} ({entry.error.code}): {entry.error.message}
                    </div>
                  )}
                </td>
                <td>{entry.tasks.join(', ')}</td>
                <td className="number">{entry.models}</td>
                <td>
                  {entry.leader ? (
                    <>
                      <Link href={`/${entry.leader.model}`}>{entry.leader.model}</Link> {formatScore(entry.leader.score, entry.display)}
                    </>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
