// The leaderboard routes' answers (GET /api/leaderboards, /api/leaderboards/{ns}/{name}), one
// definition that the server builds (src/evaluation/leaderboards/) and its clients read (web UI).

/** verified: computed by this server; self-reported: stated by the model's authors; reported: a reference row. */
export type ResultStatus = 'verified' | 'self-reported' | 'reported';

export interface ResultSource {
  url: string;
  name?: string;
}

export interface TaskValue {
  value: number;
  status: Exclude<ResultStatus, 'reported'>;
  origin: 'model-index' | 'eval-results';
  date: string;
  source: ResultSource | null;
  job_id: string | null;
  /** Why the value is not ranked (out of the metric's range), when it is not. */
  problem?: string;
}

export interface LeaderboardRow {
  model: string;
  commit: string;
  /** false: the model has a newer commit; the row stays listed, unranked. */
  current: boolean;
  status: Exclude<ResultStatus, 'reported'>;
  /** The aggregate, or the single (or filtered) task's value. */
  score: number;
  tasks: Record<string, TaskValue>;
  date: string;
  /** 1 = best; ties share a rank; null for older revisions and values that cannot be ranked. */
  rank: number | null;
  problems: string[];
}

export interface ReferenceRowView {
  name: string;
  status: 'reported';
  score: number | null;
  scores: Record<string, number>;
  source: ResultSource;
  date: string | null;
  notes: string | null;
}

export type ScoreDisplay = 'percent' | 'number';

export interface Leaderboard {
  id: string;
  name: string;
  description: string;
  metric: string;
  higher_is_better: boolean;
  display: ScoreDisplay;
  tasks: { id: string; name: string; config: string; split: string; metric: string }[];
  dataset_commit: string;
  /** The task the scores are of, when filtered to one. */
  task: string | null;
  verified_only: boolean;
  rows: LeaderboardRow[];
  reference_rows: ReferenceRowView[];
}

export interface LeaderboardSummary {
  id: string;
  name: string;
  description: string;
  metric: string | null;
  higher_is_better: boolean | null;
  display: ScoreDisplay | null;
  tasks: string[];
  dataset_commit: string;
  /** Ranked rows the caller can see. */
  models: number;
  leader: { model: string; commit: string; score: number; status: string } | null;
  reference_rows: number;
  error: { code: string; message: string } | null;
  /** With `model`: that model's rows on this benchmark (every commit), with their ranks. */
  model_rows?: LeaderboardRow[];
}
