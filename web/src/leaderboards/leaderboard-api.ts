// The leaderboard routes' answers, as the UI reads them (src/server/openapi-leaderboards.ts).
import { apiJson } from '../api.js';

export interface Source {
  url: string;
  name?: string;
}

export interface TaskValue {
  value: number;
  status: 'verified' | 'self-reported';
  origin: 'model-index' | 'eval-results';
  date: string;
  source: Source | null;
  job_id: string | null;
  problem?: string;
}

export interface LeaderboardRow {
  model: string;
  commit: string;
  current: boolean;
  status: 'verified' | 'self-reported';
  score: number;
  tasks: Record<string, TaskValue>;
  date: string;
  rank: number | null;
  problems: string[];
}

export interface ReferenceRow {
  name: string;
  status: 'reported';
  score: number | null;
  scores: Record<string, number>;
  source: Source;
  date: string | null;
  notes: string | null;
}

export interface Leaderboard {
  id: string;
  name: string;
  description: string;
  metric: string;
  higher_is_better: boolean;
  display: 'percent' | 'number';
  tasks: { id: string; name: string; config: string; split: string; metric: string }[];
  dataset_commit: string;
  task: string | null;
  verified_only: boolean;
  rows: LeaderboardRow[];
  reference_rows: ReferenceRow[];
}

export interface LeaderboardSummary {
  id: string;
  name: string;
  description: string;
  metric: string | null;
  higher_is_better: boolean | null;
  display: 'percent' | 'number' | null;
  tasks: string[];
  dataset_commit: string;
  models: number;
  leader: { model: string; commit: string; score: number; status: string } | null;
  reference_rows: number;
  error: { code: string; message: string } | null;
  model_rows?: LeaderboardRow[];
}

export async function listLeaderboards(options: { model?: string; signal?: AbortSignal } = {}): Promise<LeaderboardSummary[]> {
  const query = options.model ? `?model=${encodeURIComponent(options.model)}` : '';
  return (await apiJson<{ leaderboards: LeaderboardSummary[] }>(`/api/leaderboards${query}`, options.signal ? { signal: options.signal } : {})).leaderboards;
}

export function getLeaderboard(id: string, filter: { verifiedOnly: boolean; task: string }, signal?: AbortSignal): Promise<Leaderboard> {
  const query = new URLSearchParams();
  if (filter.verifiedOnly) query.set('verified', 'true');
  if (filter.task) query.set('task', filter.task);
  const search = query.toString();
  return apiJson<Leaderboard>(`/api/leaderboards/${id}${search ? `?${search}` : ''}`, signal ? { signal } : {});
}

/** A value as the benchmark shows it: percent (×100, three decimals) or the plain number. */
export function formatScore(value: number | null, display: 'percent' | 'number' | null): string {
  if (value === null) return '—';
  return display === 'percent' ? (value * 100).toFixed(3) : value.toFixed(4);
}
