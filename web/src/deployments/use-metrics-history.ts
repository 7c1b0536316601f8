// Polls /metrics every 2 s while the deployments page is open and keeps, per model, the last
// minutes of chart points (each from the scrape before it). Polling stops when the page unmounts.
import { useEffect, useRef, useState } from 'react';
import { api } from '../api.js';
import { metricPoint, type MetricPoint, type TimedScrape } from './deployment-metrics.js';
import { llmPoint, type LlmPoint } from './llm-metrics.js';

export const POLL_MS = 2000;
/** Points kept per model: two minutes at one point every 2 s. */
export const HISTORY_POINTS = 60;

export interface MetricsHistory {
  points: Record<string, MetricPoint[]>;
  /** GGUF models' tokens/s and sequences in use, per model (empty points for other models). */
  llm: Record<string, LlmPoint[]>;
  /** The last scrape's failure, cleared by the next success. */
  error: unknown;
}

export function useMetricsHistory(models: string[]): MetricsHistory {
  const [history, setHistory] = useState<MetricsHistory>({ points: {}, llm: {}, error: null });
  const previous = useRef<TimedScrape | null>(null);
  const key = [...new Set(models)].sort().join('\n');

  useEffect(() => {
    const wanted = key === '' ? [] : key.split('\n');
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const scrape = await api((client) => client.metrics({ signal: abort.signal }));
        const current: TimedScrape = { at: Date.now(), scrape };
        const before = previous.current;
        previous.current = current;
        setHistory((state) => {
          const points: Record<string, MetricPoint[]> = {};
          const llm: Record<string, LlmPoint[]> = {};
          for (const model of wanted) {
            const kept = state.points[model] ?? [];
            points[model] = before ? [...kept, metricPoint(before, current, model)].slice(-HISTORY_POINTS) : kept;
            const keptLlm = state.llm[model] ?? [];
            llm[model] = before ? [...keptLlm, llmPoint(before, current, model)].slice(-HISTORY_POINTS) : keptLlm;
          }
          return { points, llm, error: null };
        });
      } catch (error) {
        if (abort.signal.aborted) return;
        setHistory((state) => ({ ...state, error }));
      }
      if (!abort.signal.aborted) timer = setTimeout(() => void poll(), POLL_MS);
    };
    if (wanted.length > 0) void poll();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [key]);

  return history;
}
