// A job's progress: a bar (indeterminate while the fraction is unknown) and what it is doing now.
import type { JobInfo } from '../../../src/client/jobs-client.js';
import './jobs.css';

export function JobProgress({ job }: { job: Pick<JobInfo, 'progress'> }) {
  const { fraction, message } = job.progress;
  return (
    <div className="job-progress">
      {/* No value: an indeterminate bar while the fraction is unknown. */}
      <progress max={1} value={fraction ?? undefined} aria-label={message ?? undefined} />
      <span data-testid="job-progress-text">
        {fraction === null ? '' : `${Math.floor(fraction * 100)}% `}
        {message ?? ''}
      </span>
    </div>
  );
}
