// The shapes every benchmark shares: what a benchmark receives from the runner and what it reports.

/** How a measured value is judged against its target. */
export type Target =
  /** value / baseline must be at least `min` (throughput-like: higher is better). */
  | { kind: 'ratio-at-least'; min: number }
  /** value / baseline must be at most `max` (latency-like: a slowdown against the baseline). */
  | { kind: 'ratio-at-most'; max: number }
  /** value itself must stay below `max` (latency-like: lower is better). */
  | { kind: 'below'; max: number }
  /** Reported for context only. */
  | { kind: 'info' };

export interface ResultRow {
  metric: string;
  unit: string;
  value: number;
  /** The reference measured side by side in the same run; undefined when there is none. */
  baseline?: number;
  target: Target;
}

export interface BenchResult {
  /** Short id used on the command line (`npm run bench -- download`). */
  id: string;
  title: string;
  /** How the numbers were obtained, one sentence a line. */
  method: string[];
  rows: ResultRow[];
  /** Observations worth keeping next to the table (e.g. the measured runs). */
  notes: string[];
}

/** What the runner hands each benchmark: a scratch directory and the shared large test file. */
export interface BenchContext {
  /** Scratch directory under /tmp, removed after the run. */
  workDir: string;
  /** Absolute path of the repository root (where package.json lives). */
  repoRoot: string;
  /** Extra node flags for every Moda server started (`--cpu-prof …` with `--profile=DIR`). */
  modaNodeFlags: string[];
  /** The 1 GiB random file, created on first use and shared by the transfer benchmarks. */
  bigFile(): Promise<BigFile>;
  log(message: string): void;
}

export interface BigFile {
  path: string;
  size: number;
  /** sha256 of the file as it was created. */
  oid: string;
}

export interface Benchmark {
  id: string;
  run(context: BenchContext): Promise<BenchResult>;
}
