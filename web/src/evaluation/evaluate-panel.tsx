// The model page's evaluation panel: the model's results (each with its dataset, metric, source and
// an "older revision" mark when the model changed since, with a Re-run button that evaluates the new
// head), and the Evaluate form — a dataset, its splits from the viewer API, optional columns and a
// row limit — that starts an `eval` job and follows its progress to the scores, the commit and the
// evaluated commit's rank when the dataset is a benchmark.
import { useEffect, useState, type FormEvent } from 'react';
import { createJob, getJob, isFinished, type JobInfo } from '../../../src/client/jobs-client.js';
import { api, apiJson } from '../api.js';
import { ErrorMessage, Loading, useAsync } from '../async-state.js';
import { useI18n } from '../i18n.js';
import { JobProgress } from '../jobs/job-progress.js';
import { listLeaderboards } from '../leaderboards/leaderboard-api.js';
import { predictionsViewerHref } from './predictions-api.js';
import { useLeaderboardText } from '../leaderboards/leaderboard-text.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { EVALUATION_TEXT } from './evaluation-text.js';

interface ModelEvaluation {
  dataset: string;
  task_id: string;
  metric: string | null;
  value: unknown;
  date: string | null;
  verified: boolean;
  source: { url: string | null; name: string | null };
  model_revision: string | null;
  older_revision: boolean | null;
}

interface EvalJobResult {
  dataset: string;
  model_commit: string;
  samples: number;
  failed: number;
  metrics: { name: string; value: number }[];
  label_mapping: { unmapped: string[] } | null;
  commit: { oid: string; url: string } | null;
  commit_skipped: string | null;
  artifacts: { name: string }[];
}

const POLL_MS = 1000;
/** The artifact the dataset viewer can show beside the rows (src/evaluation/store-predictions.ts). */
const PREDICTIONS_ARTIFACT = 'predictions.jsonl';

/** task_id is `<split>` or `<config>/<split>`: the params a Re-run needs. */
function rerunParams(model: string, evaluation: ModelEvaluation): Record<string, unknown> {
  const [first, second] = evaluation.task_id.split('/');
  return second === undefined ? { model, dataset: evaluation.dataset, split: first } : { model, dataset: evaluation.dataset, config: first, split: second };
}

function formatValue(value: unknown): string {
  return typeof value === 'number' ? String(Math.round(value * 10_000) / 10_000) : String(value);
}

/** Where the evaluated commit now ranks on the dataset's leaderboard, when the dataset is a benchmark. */
function JobRank({ model, dataset, commit }: { model: string; dataset: string; commit: string }) {
  const text = useLeaderboardText();
  const [state] = useAsync((signal) => listLeaderboards({ model, signal }), [model, dataset, commit]);
  if (state.status !== 'done') return null;
  const board = state.value.find((entry) => entry.id === dataset);
  const row = board?.model_rows?.find((entry) => entry.commit === commit);
  if (!board || !row) return null;
  return (
    <p data-testid="eval-rank">
      <Link href={`/leaderboards/${board.id}`}>{board.name}</Link>: {text.rankOf(row.rank, board.models)}
    </p>
  );
}

function JobFollower({ job: initial, model, onFinished }: { job: JobInfo; model: string; onFinished: () => void }) {
  const { language } = useI18n();
  const text = EVALUATION_TEXT[language];
  const [job, setJob] = useState(initial);
  useEffect(() => {
    if (isFinished(job)) {
      if (!isFinished(initial)) onFinished();
      return;
    }
    const timer = setTimeout(() => void api((client) => getJob(client, job.id)).then(setJob, () => undefined), POLL_MS);
    return () => clearTimeout(timer);
  }, [job]);
  const result = job.state === 'succeeded' ? (job.result as EvalJobResult) : undefined;
  return (
    <div className="eval-job" data-testid="eval-job" data-state={job.state}>
      <p>
        {text.job} <code>{job.id}</code> · {job.state}
      </p>
      {!isFinished(job) && <JobProgress job={job} />}
      {job.error && <p className="error">{`${job.error.code}: ${job.error.message}`}</p>}
      {result && (
        <>
          <table className="eval-metrics" data-testid="eval-metrics">
            <tbody>
              {result.metrics.map((metric) => (
                <tr key={metric.name}>
                  <th scope="row">{metric.name}</th>
                  <td>{formatValue(metric.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">{text.failed(result.failed, result.samples)}</p>
          {result.commit && (
            <p>
              {text.committed}: <Link href={`/${model}/commit/${result.commit.oid}`}>{result.commit.oid.slice(0, 10)}</Link>
            </p>
          )}
          {result.commit && <JobRank model={model} dataset={result.dataset} commit={result.model_commit} />}
          {result.commit_skipped && <p className="muted">{text.noCommit + result.commit_skipped}</p>}
          {result.artifacts.map((artifact) => (
            <p key={artifact.name}>
              <button type="button" className="link-button" onClick={() => void download(job.id, artifact.name)}>
                {text.predictions} ({artifact.name})
              </button>
              {artifact.name === PREDICTIONS_ARTIFACT && (
                <>
                  {' · '}
                  <Link href={predictionsViewerHref(result.dataset, job.id)} data-testid="view-predictions">
                    {text.viewPredictions}
                  </Link>
                </>
              )}
            </p>
          ))}
        </>
      )}
    </div>
  );
}

/** Artifacts need the token, so they are fetched and handed to the browser as a blob. */
async function download(jobId: string, name: string): Promise<void> {
  const response = await api((client) => client.request(`/api/v1/jobs/${jobId}/artifacts/${encodeURIComponent(name)}`));
  const url = URL.createObjectURL(await response.blob());
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = name;
  anchor.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function EvaluateForm({ model, onStarted }: { model: string; onStarted: (job: JobInfo) => void }) {
  const { language } = useI18n();
  const text = EVALUATION_TEXT[language];
  const [dataset, setDataset] = useState('');
  const [splits, setSplits] = useState<{ config: string; split: string }[] | null>(null);
  const [choice, setChoice] = useState('');
  const [input, setInput] = useState('');
  const [reference, setReference] = useState('');
  const [limit, setLimit] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const loadSplits = async () => {
    setError(null);
    try {
      const answer = await api((client) => client.datasetSplits(dataset.trim()));
      setSplits(answer.splits);
      const preferred = answer.splits.find((entry) => entry.split === 'test') ?? answer.splits[0];
      setChoice(preferred ? `${preferred.config}/${preferred.split}` : '');
    } catch (failure) {
      setError(failure);
    }
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const [config, split] = choice.split('/');
    if (!split) return;
    setBusy(true);
    setError(null);
    try {
      const columns = { ...(input.trim() && { input: input.trim() }), ...(reference.trim() && { reference: reference.trim() }) };
      const params = { model, dataset: dataset.trim(), config, split, ...(Object.keys(columns).length > 0 && { columns }), ...(limit.trim() && { limit: Number(limit) }) };
      onStarted(await api((client) => createJob(client, 'eval', params)));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="eval-form" onSubmit={(event) => void submit(event)} data-testid="evaluate-form">
      <label>
        {text.dataset}
        <input value={dataset} onChange={(event) => setDataset(event.target.value)} placeholder={text.datasetHint} required pattern="[^/]+/[^/]+" />
      </label>
      <button type="button" className="button secondary" disabled={!/^[^/]+\/[^/]+$/.test(dataset.trim())} onClick={() => void loadSplits()}>
        {text.loadSplits}
      </button>
      {splits && (
        <>
          <label>
            {text.split}
            <select value={choice} onChange={(event) => setChoice(event.target.value)} required>
              {splits.map((entry) => (
                <option key={`${entry.config}/${entry.split}`} value={`${entry.config}/${entry.split}`}>
                  {entry.config === 'default' ? entry.split : `${entry.config}/${entry.split}`}
                </option>
              ))}
            </select>
          </label>
          <label>
            {text.input}
            <input value={input} onChange={(event) => setInput(event.target.value)} />
          </label>
          <label>
            {text.reference}
            <input value={reference} onChange={(event) => setReference(event.target.value)} />
          </label>
          <label>
            {text.limit}
            <input type="number" min={1} value={limit} onChange={(event) => setLimit(event.target.value)} />
          </label>
          <button type="submit" className="button" disabled={busy || choice === ''}>
            {text.start}
          </button>
        </>
      )}
      {error !== null && <ErrorMessage error={error} />}
    </form>
  );
}

export function EvaluatePanel({ model }: { model: string }) {
  const { language } = useI18n();
  const text = EVALUATION_TEXT[language];
  const session = useSession();
  const [open, setOpen] = useState(false);
  const [jobs, setJobs] = useState<JobInfo[]>([]);
  const [state, reload] = useAsync((signal) => apiJson<{ evaluations: ModelEvaluation[] }>(`/api/v1/models/${model}/evaluations`, { signal }), [model]);
  const started = (job: JobInfo) => {
    setJobs((list) => [job, ...list]);
    setOpen(false);
  };
  const rerun = async (evaluation: ModelEvaluation) => started(await api((client) => createJob(client, 'eval', rerunParams(model, evaluation))));
  const firstOfTarget = (index: number, list: ModelEvaluation[]) => list.findIndex((other) => other.dataset === list[index]!.dataset && other.task_id === list[index]!.task_id) === index;
  return (
    <section className="panel evaluate-panel" aria-labelledby="evaluate-heading" data-testid="evaluate-panel">
      <h2 id="evaluate-heading">{text.results}</h2>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorMessage error={state.error} onRetry={reload} />}
      {state.status === 'done' && state.value.evaluations.length === 0 && <p className="muted">{text.none}</p>}
      {state.status === 'done' && state.value.evaluations.length > 0 && (
        <table className="eval-results" data-testid="eval-results">
          <tbody>
            {state.value.evaluations.map((evaluation, index) => (
              <tr key={index} data-older={evaluation.older_revision === true}>
                <td>
                  <Link href={`/datasets/${evaluation.dataset}`}>{evaluation.dataset}</Link> <span className="muted">{evaluation.task_id}</span>
                </td>
                <td>{evaluation.metric}</td>
                <td>{formatValue(evaluation.value)}</td>
                <td>
                  <span className="badge subtle">{evaluation.verified ? text.verified : text.selfReported}</span>
                  {evaluation.older_revision && (
                    <span className="badge" title={evaluation.model_revision ?? undefined}>
                      {text.olderRevision}
                    </span>
                  )}
                  {evaluation.older_revision && session.token && firstOfTarget(index, state.value.evaluations) && (
                    <button type="button" className="link-button" onClick={() => void rerun(evaluation)}>
                      {text.rerun}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {jobs.map((job) => (
        // A finished job's commit changes the results: they are read again.
        <JobFollower key={job.id} job={job} model={model} onFinished={reload} />
      ))}
      {session.token && !open && (
        <button type="button" className="button" onClick={() => setOpen(true)} data-testid="evaluate-button">
          {text.evaluate}
        </button>
      )}
      {session.token && open && <EvaluateForm model={model} onStarted={started} />}
    </section>
  );
}
