// Loading and error states every page shares: a hook that runs an abortable request when its
// dependencies change, and the components that show "loading" and a readable API error.
import { useCallback, useEffect, useState, type DependencyList } from 'react';
import { ApiError } from './api.js';
import { useI18n } from './i18n.js';

export type AsyncState<T> = { status: 'loading' } | { status: 'error'; error: unknown } | { status: 'done'; value: T };

export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): [AsyncState<T>, () => void] {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    setState({ status: 'loading' });
    load(abort.signal).then(
      (value) => !abort.signal.aborted && setState({ status: 'done', value }),
      (error: unknown) => !abort.signal.aborted && setState({ status: 'error', error }),
    );
    return () => abort.abort();
    // The caller's deps decide when to reload, as with useEffect.
  }, [...deps, attempt]);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return [state, retry];
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.code ? `${error.message} [${error.code}]` : error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

export function Loading({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label ?? t.loading}
    </div>
  );
}

export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  return (
    <div className="error" role="alert">
      <strong>{t.error}: </strong>
      <span data-testid="error-text">{errorText(error)}</span>
      {onRetry && (
        <button type="button" className="link-button" onClick={onRetry}>
          {t.retry}
        </button>
      )}
    </div>
  );
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A day as "2026年11月28日" or "28 Nov 2026", in local time. Written out rather than with Intl: the
 * first Intl.DateTimeFormat of a page loads ICU's locale data, 60-115 ms of the home page's main
 * thread before its repo list could show (CPU profile, bench/web-ui.ts), for one fixed format.
 */
export function formatDate(iso: string, language: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const [year, month, day] = [date.getFullYear(), date.getMonth(), date.getDate()];
  return language === 'zh' ? `${year}年${month + 1}月${day}日` : `${day} ${MONTHS_EN[month]} ${year}`;
}
