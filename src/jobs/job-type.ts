// What a job type is: a name, a TypeBox schema for its params, a retry policy, and the code that
// runs it. The code runs in a job process (job-process.ts), never on the server thread; it gets
// everything through JobContext, so the same code runs under the embedded queue or a cluster one.
import type { Static, TSchema } from '@sinclair/typebox';
import type { ModaClient } from '../client/moda-client.js';
import type { Config } from '../config/config.js';
import type { Actor } from '../hub/actor.js';
import type { HubContext } from '../hub/context.js';

export interface JobBackoff {
  /** Wait before the second attempt. */
  delayMs: number;
  /** Each further attempt waits this many times longer (1 = fixed). */
  factor: number;
}

export interface JobContext<Params = unknown> {
  readonly jobId: string;
  /** 1 for the first run, 2 for the first retry, … */
  readonly attempt: number;
  readonly params: Params;
  /** Aborted when the job is cancelled or the server stops; the process is killed 500 ms later. */
  readonly signal: AbortSignal;
  /** fraction in [0, 1] (null: unknown), and what is happening now. */
  progress(fraction: number | null, message?: string): void;
  log(line: string): void;
  /** The owner as their token allows: pass it to hub functions, which check it. */
  readonly actor: Actor;
  /** This hub's HTTP API with a token of the owner's rights that expires when the job ends. */
  readonly client: ModaClient;
  /** The hub opened in the job process (its own database connection and blob store). */
  readonly hub: HubContext;
  /** A folder of the job's own, removed when the job ends in any way. */
  readonly tempDir: string;
}

export interface JobType<Schema extends TSchema = TSchema> {
  type: string;
  description: string;
  paramsSchema: Schema;
  /** Runs in all (1 = never retried automatically); a run that fails with a retryable error is re-queued until then. */
  maxAttempts: number;
  backoff: JobBackoff;
  /** Only site admins may create it (the catalog import). */
  adminOnly?: boolean;
  /** Param names whose values are secrets: stored for retries, never shown. */
  secretParams?: readonly string[];
  /**
   * Checks beyond the schema when the job is created (a ModaError refuses it with its code), e.g.
   * params only a site admin may give. `config` is the server's.
   */
  checkParams?(params: Static<Schema>, creator: { isSiteAdmin: boolean; config: Config }): void;
  /**
   * Runs on the server when the job is created, after checkParams, as the creator: the params to
   * store instead (a revision pinned to the commit it names now). A ModaError refuses the job.
   */
  prepareParams?(params: Static<Schema>, creator: { hub: HubContext; actor: Actor }): Promise<Static<Schema>>;
  /** The result (JSON) becomes the job's `result`; throw a ModaError to fail with its code. */
  run(context: JobContext<Static<Schema>>): Promise<unknown>;
}

/** Declares a job type with its params typed from the schema. */
export function defineJobType<Schema extends TSchema>(definition: JobType<Schema>): JobType<Schema> {
  return definition;
}

/** The job types one process knows; the server and each job process fill it the same way (registerJobTypes). */
export class JobTypeRegistry {
  private readonly types = new Map<string, JobType>();

  register<Schema extends TSchema>(definition: JobType<Schema>): void {
    if (this.types.has(definition.type)) throw new Error(`job type ${definition.type} is registered twice`);
    this.types.set(definition.type, definition as unknown as JobType);
  }

  get(type: string): JobType | undefined {
    return this.types.get(type);
  }

  list(): JobType[] {
    return [...this.types.values()];
  }
}

/** Wait before attempt `attempt + 1` after `attempt` failed. */
export function backoffDelayMs(backoff: JobBackoff, attempt: number): number {
  return Math.round(backoff.delayMs * backoff.factor ** Math.max(0, attempt - 1));
}
