// The leaderboard routes, as the UI calls them; their answers' types are the server's (src/client/leaderboard-types.ts).
import type { Leaderboard, LeaderboardSummary, ScoreDisplay } from '../../../src/client/leaderboard-types.js';
import { apiJson } from '../api.js';

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
export function formatScore(value: number | null, display: ScoreDisplay | null): string {
  if (value === null) return '—';
  return display === 'percent' ? (value * 100).toFixed(3) : value.toFixed(4);
}
