// A model page's evaluation results: each benchmark it has a row on, with score and rank (the
// current commit's and older revisions'), linking to the leaderboard. Nothing when it has none.
import { useAsync } from '../async-state.js';
import { Link } from '../router.js';
import { formatScore, listLeaderboards } from './leaderboard-api.js';
import { useLeaderboardText } from './leaderboard-text.js';
import './leaderboard.css';

export function ModelResults({ repo }: { repo: string }) {
  const text = useLeaderboardText();
  const [state] = useAsync((signal) => listLeaderboards({ model: repo, signal }), [repo]);
  if (state.status !== 'done' || state.value.length === 0) return null;
  return (
    <section className="side-panel model-results" data-testid="model-results" aria-label={text.results}>
      <h2>{text.results}</h2>
      <ul>
        {state.value.map((board) =>
          (board.model_rows ?? []).map((row) => (
            <li key={`${board.id}@${row.commit}`} data-testid="model-result" data-benchmark={board.id}>
              <Link href={`/leaderboards/${board.id}`}>{board.name}</Link>: {formatScore(row.score, board.display)} {board.metric}
              <div className="muted">
                <span data-testid="model-rank">{text.rankOf(row.rank, board.models)}</span> · <code>@{row.commit.slice(0, 7)}</code> · {row.status === 'verified' ? text.verified : text.selfReported}
                {!row.current && ` · ${text.olderRevision}`}
              </div>
            </li>
          )),
        )}
      </ul>
    </section>
  );
}
