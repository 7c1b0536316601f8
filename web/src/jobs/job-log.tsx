// A job's log that follows: lines so far, then new ones as they come (NDJSON follow, with the
// signed-in token), until the job ends or the log is closed.
import { useEffect, useRef, useState } from 'react';
import { followJob, type JobInfo } from '../../../src/client/jobs-client.js';
import { apiIter } from '../api.js';
import { ErrorMessage } from '../async-state.js';
import { useI18n } from '../i18n.js';
import { JOBS_TEXT } from './jobs-text.js';

export function JobLog({ id, onJob }: { id: string; onJob: (job: JobInfo) => void }) {
  const { language } = useI18n();
  const text = JOBS_TEXT[language];
  const [lines, setLines] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const box = useRef<HTMLPreElement>(null);
  // The parent's callback changes each render; the stream must not restart for that.
  const report = useRef(onJob);
  report.current = onJob;

  useEffect(() => {
    const controller = new AbortController();
    setLines([]);
    void (async () => {
      try {
        for await (const event of apiIter((client) => followJob(client, id, { signal: controller.signal }))) {
          if (event.type === 'log') setLines((previous) => [...previous, event.line]);
          else report.current(event.job);
        }
      } catch (failure) {
        if (!controller.signal.aborted) setError(failure);
      }
    })();
    return () => controller.abort();
  }, [id]);

  useEffect(() => {
    const element = box.current;
    if (element) element.scrollTop = element.scrollHeight;
  }, [lines]);

  if (error) return <ErrorMessage error={error} />;
  return (
    <pre className="job-log" ref={box} aria-label={text.logLabel(id)} data-testid="job-log" tabIndex={0}>
      {lines.length === 0 ? text.emptyLog : lines.join('\n')}
    </pre>
  );
}
