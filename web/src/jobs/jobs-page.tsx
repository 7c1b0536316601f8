// `/jobs` (lazy-loaded): the signed-in user's jobs (a site admin's: everyone's), newest first, with
// live state and progress (polled each second while any is unfinished), a log that follows, and
// cancel and retry buttons.
import { useEffect, useState } from 'react';
import { cancelJob, isFinished, JOB_STATES, listJobs, retryJob, type JobInfo, type JobState } from '../../../src/client/jobs-client.js';
import { api } from '../api.js';
import { ErrorMessage, formatDate, Loading, useAsync } from '../async-state.js';
import { useI18n } from '../i18n.js';
import { useSession } from '../session.js';
import { JobLog } from './job-log.js';
import { JobProgress } from './job-progress.js';
import { JOBS_TEXT } from './jobs-text.js';

const POLL_MS = 1000;

function JobCard({ job, onChange }: { job: JobInfo; onChange: (job: JobInfo) => void }) {
  const { language } = useI18n();
  const text = JOBS_TEXT[language];
  const [logOpen, setLogOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // A followed log ends with its job; a retry starts following it anew.
  const [retries, setRetries] = useState(0);
  const act = async (call: typeof cancelJob) => {
    setBusy(true);
    setError(null);
    try {
      onChange(await api((client) => call(client, job.id)));
      if (call === retryJob) setRetries((count) => count + 1);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const finished = isFinished(job);
  return (
    <section className="job" data-testid="job" data-id={job.id} data-state={job.state} aria-labelledby={`job-${job.id}`}>
      <div className="job-head">
        <h2 id={`job-${job.id}`}>{job.type}</h2>
        <code>{job.id}</code>
        <span className={`badge job-state-${job.state}`} data-testid="job-state">
          {job.cancel_requested && !finished ? text.cancelling : (text.states[job.state] ?? job.state)}
        </span>
        <span className="end">
          {!finished && (
            <button type="button" className="button secondary" disabled={busy || job.cancel_requested} onClick={() => void act(cancelJob)}>
              {text.cancel}
            </button>
          )}
          {(job.state === 'failed' || job.state === 'cancelled') && (
            <button type="button" className="button secondary" disabled={busy} onClick={() => void act(retryJob)}>
              {text.retry}
            </button>
          )}
          <button type="button" className="link-button" aria-expanded={logOpen} onClick={() => setLogOpen(!logOpen)}>
            {logOpen ? text.hideLog : text.showLog}
          </button>
        </span>
      </div>
      <dl>
        <div>
          <dt>{text.owner}</dt>
          <dd>{job.owner}</dd>
        </div>
        <div>
          <dt>{text.created}</dt>
          <dd>{formatDate(job.created_at, language)}</dd>
        </div>
        <div>
          <dt>{text.attempts}</dt>
          <dd>
            {job.attempts}/{job.max_attempts}
          </dd>
        </div>
        <div>
          <dt>params</dt>
          <dd>
            <code>{JSON.stringify(job.params)}</code>
          </dd>
        </div>
      </dl>
      {job.state === 'running' && <JobProgress job={job} />}
      {job.error && (
        <p className="job-error" role={job.state === 'failed' ? 'alert' : undefined}>
          {job.error.code}: {job.error.message}
        </p>
      )}
      {error !== null && <ErrorMessage error={error} />}
      {logOpen && <JobLog key={retries} id={job.id} onJob={onChange} />}
    </section>
  );
}

export default function JobsPage() {
  const { language } = useI18n();
  const text = JOBS_TEXT[language];
  const session = useSession();
  const [state, setState] = useState<JobState | ''>('');
  const [tick, setTick] = useState(0);
  const [loaded, retry] = useAsync((signal) => api((client) => listJobs(client, { state: state || undefined, limit: 100 }, { signal })), [state, session.token, tick]);
  const [jobs, setJobs] = useState<JobInfo[]>([]);
  useEffect(() => {
    if (loaded.status === 'done') setJobs(loaded.value);
  }, [loaded]);
  const live = jobs.some((job) => !isFinished(job));
  useEffect(() => {
    if (!live) return;
    const timer = setTimeout(() => setTick((value) => value + 1), POLL_MS);
    return () => clearTimeout(timer);
  }, [live, jobs]);
  const replace = (changed: JobInfo) => setJobs((previous) => previous.map((job) => (job.id === changed.id ? changed : job)));

  if (!session.token) return <p className="muted">{text.intro}</p>;
  return (
    <div className="jobs-page">
      <h1>{text.title}</h1>
      <p className="muted">{text.intro}</p>
      <div className="jobs-filter">
        <label htmlFor="jobs-state">{text.stateFilter}</label>
        <select id="jobs-state" value={state} onChange={(event) => setState(event.target.value as JobState | '')}>
          <option value="">{text.all}</option>
          {JOB_STATES.map((value) => (
            <option key={value} value={value}>
              {text.states[value]}
            </option>
          ))}
        </select>
      </div>
      {loaded.status === 'loading' && jobs.length === 0 && <Loading />}
      {loaded.status === 'error' && <ErrorMessage error={loaded.error} onRetry={retry} />}
      {loaded.status === 'done' && jobs.length === 0 && <p className="muted">{text.none}</p>}
      {jobs.map((job) => (
        <JobCard key={job.id} job={job} onChange={replace} />
      ))}
    </div>
  );
}
