// The messages between a server and one job process (job-process.ts), over Node's IPC channel.
import type { Config } from '../config/config.js';

export interface JobStart {
  kind: 'start';
  jobId: string;
  type: string;
  params: unknown;
  attempt: number;
  /** A token of the owner's rights that lives as long as the job. */
  token: string;
  /** This server's HTTP API. */
  serverUrl: string;
  tempDir: string;
  config: Config;
  /** The runner id of the queue running it: the owner of the scratch folders the job makes. */
  runner: string;
}

export type ToJobProcess = JobStart | { kind: 'abort' };

export interface JobFailure {
  code: string;
  message: string;
  retryable: boolean;
}

export type FromJobProcess = { kind: 'progress'; fraction: number | null; message: string | null } | { kind: 'log'; line: string } | { kind: 'succeeded'; result: unknown } | { kind: 'failed'; error: JobFailure };
