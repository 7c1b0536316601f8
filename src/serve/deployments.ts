// Deployments: a model pinned to one commit, loaded and kept loaded with its own batching settings.
// A later push does not change a running deployment until it is redeployed (PATCH with a revision).
// With a `keep_alive` (Ollama's: a duration, or seconds), the deployment keeps its commit and
// settings but lets its model go after that long idle (state `idle`); the next request loads it again.
// Rows live in the database so every server process (and a restart) serves the same deployments;
// the loaded model is per process.
// Deploying a model takes write rights on it, since a deployment decides how the model's own routes
// answer everyone (its commit, queue and delay); of a model's deployments only a `default` one
// serves those routes, and `required` (which /readyz waits for) is for site admins alone.
// A row is marked loaded (`loaded_commit`) only after its model
// loaded; a start-up restore loads only such rows, never a quarantined one, and in the background.
// A model whose process dies on load is retried with backoff and quarantined at the crash limit.
// In a cluster every replica serves every deployment: a change made on one replica is announced
// (Redis) and the others follow the row in the database, the truth — loading, rescaling,
// redeploying or dropping their own copy (changedElsewhere). Requests wait for a pending follow.
import { parseDuration } from '../config/config.js';
import type { DeploymentsTable } from '../db/schema.js';
import { ModaError, isModaError } from '../errors/moda-error.js';
import { recordAuditEvent } from '../hub/audit/record-audit-event.js';
import { isSiteAdmin, requireWriteToken, type Actor } from '../hub/actor.js';
import type { HubContext } from '../hub/context.js';
import { findRepo } from '../hub/repos/repo-record.js';
import { importActor } from '../mirror/ensure-namespace.js';
import { planModel } from '../runtime/load-model.js';
import type { TaskId } from '../tasks/catalog.js';
import { calibrateBatchSize, type Calibration } from './calibrate-batch-size.js';
import type { InferenceService } from './inference-service.js';
import type { ServedLlm, ServedModel } from './model-cache.js';

export interface DeploymentSettings {
  /** Most inputs per batch; `auto` = measured at load time. */
  max_batch_size: number | 'auto';
  max_queue_delay_ms: number;
  /** Most inputs waiting before 429. */
  max_queue: number;
  /** `/readyz` waits for required deployments. */
  required: boolean;
  /** Model instances running batches at once; `auto` = the server's choice (one per core for single-threaded engines). Rows stored before it existed lack it. */
  max_concurrency?: number | 'auto';
  /** Idle time before the model is unloaded, in ms; absent = kept loaded for good. */
  keep_alive_ms?: number;
  /**
   * Serves requests to the model's own routes that name no revision. Rows stored before it existed
   * lack it: those serve only when the model's own namespace (not another user) deployed it.
   */
  default?: boolean;
}

export interface DeploymentInput {
  model: string;
  name?: string;
  revision?: string;
  task?: string;
  batching?: { max_batch_size?: number | 'auto'; max_queue_delay_ms?: number; max_queue?: number };
  required?: boolean;
  max_concurrency?: number | 'auto';
  /** `forever` (the default), a duration (`30s`, `10m`, `1h`) or seconds; a negative number = forever. */
  keep_alive?: number | string;
  /** Serves the model's own routes (default true); false: the deployment only keeps its commit loaded. */
  default?: boolean;
}

export type DeploymentPatch = Omit<DeploymentInput, 'model' | 'name' | 'task'> & { redeploy?: boolean };

/** `idle`: a deployment with a keep_alive whose model was unloaded; the next request loads it. */
export type DeploymentState = 'loading' | 'ready' | 'idle' | 'failed';

export interface DeploymentView {
  name: string;
  model: string;
  revision: string;
  commit: string;
  task: string;
  state: DeploymentState;
  error?: { code: string; message: string };
  batching: { max_batch_size: number | 'auto'; effective_batch_size?: number; max_queue_delay_ms: number; max_queue: number };
  calibration?: Calibration;
  required: boolean;
  /** Whether this deployment answers the model's own routes. */
  default: boolean;
  max_concurrency: number | 'auto';
  /** `forever`, or the idle time before the model is unloaded, as a duration in seconds (`300s`). */
  keep_alive: string;
  /** When the model will be unloaded if no request comes first (finite keep_alive, loaded). */
  expires_at?: string;
  /** Instances loaded now. */
  instances?: number;
  memory_bytes?: number;
  load_ms?: number;
  /** GGUF models (llama.cpp): the quantisation served, its sequences (continuous batching) and the KV cache they hold; absent while not loaded. */
  llm?: { quant: string; file: string; sequences: number; sequences_in_use: number; queued: number; context_length: number; kv_cache_bytes: number };
  endpoint: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export type DeploymentEvent = { status: 'resolving' | 'materializing' | 'loading' | 'calibrating'; deployment: string } | { status: 'ready' | 'failed'; deployment: DeploymentView };

interface Live {
  row: Row;
  state: DeploymentState;
  /** Failed because its process died (not quarantined): the next request loads it again, after the backoff. */
  reloadable?: boolean;
  served?: ServedModel;
  calibration?: Calibration;
  error?: { code: string; message: string };
  /** Resolves when the current load attempt ends. */
  settled: Promise<void>;
}

/** A stored deployment, as the database holds it. */
type Row = DeploymentsTable;

interface StoredFailure {
  commit: string;
  code: string;
  message: string;
}

/** Codes of a model process that died: another load may work, after the backoff. */
const CRASH_CODES = new Set(['MODEL_CRASHED', 'MODEL_MEMORY_LIMIT']);

function storedFailure(row: Row): StoredFailure | undefined {
  if (!row.failure) return undefined;
  try {
    return JSON.parse(row.failure) as StoredFailure;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const MAX_QUEUE_DELAY_MS = 10_000;
const MAX_CONCURRENCY = 16;
const MAX_KEEP_ALIVE_MS = 365 * 24 * 3_600_000;
const KEEP_ALIVE_ERROR = 'keep_alive must be "forever", a duration such as "30s", "10m" or "1h" (up to a year), or a number of seconds (negative = forever)';

/** Ollama's keep_alive forms → ms, or undefined for "keep loaded"; `fallback` when absent. */
function checkKeepAlive(value: unknown, fallback: number | undefined): number | undefined {
  if (value === undefined || value === null) return fallback;
  let ms: number | undefined;
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (value < 0) return undefined;
    ms = Math.round(value * 1000);
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (text === 'forever' || (text.startsWith('-') && parseDuration(text.slice(1)) !== undefined)) return undefined;
    ms = parseDuration(text);
  }
  if (ms === undefined || ms > MAX_KEEP_ALIVE_MS) throw new ModaError('VALIDATION_FAILED', KEEP_ALIVE_ERROR);
  return ms;
}

function checkConcurrency(value: unknown, fallback: number | 'auto'): number | 'auto' {
  const concurrency = value ?? fallback;
  if (concurrency !== 'auto' && (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY)) {
    throw new ModaError('VALIDATION_FAILED', `max_concurrency must be "auto" or an integer from 1 to ${MAX_CONCURRENCY}`);
  }
  return concurrency;
}

function checkSettings(input: DeploymentInput['batching'], defaults: DeploymentSettings, required: boolean | undefined, concurrency: unknown, keepAlive: unknown, isDefault: unknown = true): DeploymentSettings {
  const size = input?.max_batch_size ?? defaults.max_batch_size;
  if (size !== 'auto' && (!Number.isInteger(size) || size < 1 || size > 256)) throw new ModaError('VALIDATION_FAILED', 'batching.max_batch_size must be "auto" or an integer from 1 to 256');
  const delay = input?.max_queue_delay_ms ?? defaults.max_queue_delay_ms;
  if (!Number.isFinite(delay) || delay < 0 || delay > MAX_QUEUE_DELAY_MS) throw new ModaError('VALIDATION_FAILED', `batching.max_queue_delay_ms must be from 0 to ${MAX_QUEUE_DELAY_MS}`);
  const queue = input?.max_queue ?? defaults.max_queue;
  if (!Number.isInteger(queue) || queue < 1 || queue > 100_000) throw new ModaError('VALIDATION_FAILED', 'batching.max_queue must be an integer from 1 to 100000');
  if (required !== undefined && typeof required !== 'boolean') throw new ModaError('VALIDATION_FAILED', 'required must be true or false');
  if (typeof isDefault !== 'boolean') throw new ModaError('VALIDATION_FAILED', 'default must be true or false');
  const keepAliveMs = checkKeepAlive(keepAlive, defaults.keep_alive_ms);
  return {
    max_batch_size: size,
    max_queue_delay_ms: delay,
    max_queue: queue,
    required: required ?? defaults.required,
    max_concurrency: checkConcurrency(concurrency, defaults.max_concurrency ?? 'auto'),
    ...(keepAliveMs !== undefined && { keep_alive_ms: keepAliveMs }),
    default: isDefault,
  };
}

function settingsOf(row: Row): DeploymentSettings {
  return JSON.parse(row.settings) as DeploymentSettings;
}

/** Whether a deployment answers its model's own routes (see DeploymentSettings.default). */
function servesModelRoutes(row: Row): boolean {
  const flag = settingsOf(row).default;
  return flag ?? row.created_by.toLowerCase() === row.model.split('/')[0]?.toLowerCase();
}

/** `/readyz` waits for required deployments, which only a site admin may declare. */
function checkRequiredBy(actor: Actor, required: boolean | undefined, stored = false): void {
  if (required !== undefined && required !== stored && !isSiteAdmin(actor)) throw new ModaError('AUTH_FORBIDDEN', 'only a site admin may make a deployment required or not, as /readyz waits for it');
}

/**
 * Names are global, so the answer to a taken name must not tell a stranger what holds it: one
 * message for every caller, naming neither the model, its commit nor its settings.
 */
function nameTaken(name: string): ModaError {
  return new ModaError('HUB_NAME_TAKEN', `the deployment name "${name}" is taken; choose another name (or, if the deployment is yours, PATCH it to redeploy)`);
}

/**
 * A name `ns--rest` (the form of a default name, `owner--model`) is kept for deployments of
 * namespace `ns`'s models. Else a stranger could learn whether `alice--secret` is taken, i.e.
 * whether alice has a private model "secret" deployed; this way the answer does not depend on it.
 */
function checkNamePrefix(name: string, model: string): void {
  const cut = name.indexOf('--');
  if (cut < 0) return;
  const owner = model.split('/')[0]?.toLowerCase();
  if (name.slice(0, cut) !== owner) throw new ModaError('VALIDATION_FAILED', `a deployment name "ns--…" is kept for models of namespace "ns"; a deployment of ${model} may be named "${owner}--…" or without "--"`);
}

export class Deployments {
  private readonly live = new Map<string, Live>();
  /** Tells the other replicas that deployment `name` changed (cluster mode; set by the server). */
  announce: (name: string) => void = () => undefined;
  logError: (message: string, error: unknown) => void = () => undefined;
  /** Changes announced by other replicas, followed one at a time, in order. */
  private following: Promise<void> = Promise.resolve();

  constructor(
    private readonly hub: HubContext,
    private readonly inference: InferenceService,
  ) {
    // A keep-alive that ran out (or memory pressure) unloads the model: the deployment goes idle.
    // A model whose process died is `failed` with the reason until the next request loads it again.
    inference.models.observe({
      unloaded: (served) => {
        const failure = served.model.broken ? served.model.failure : undefined;
        for (const live of this.live.values()) {
          if (live.served === served && live.state === 'ready') {
            live.state = failure ? 'failed' : 'idle';
            live.served = undefined;
            if (isModaError(failure)) {
              live.error = { code: failure.code, message: failure.message };
              live.reloadable = true;
            }
          }
        }
      },
    });
  }

  private defaults(): DeploymentSettings {
    return { max_batch_size: 'auto', max_queue_delay_ms: 2, max_queue: this.hub.config.maxQueue, required: false, max_concurrency: 'auto' };
  }

  private view(row: Row): DeploymentView {
    const settings = settingsOf(row);
    const live = this.live.get(row.name);
    return {
      name: row.name,
      model: row.model,
      revision: row.revision,
      commit: row.commit_sha,
      task: row.task,
      state: live?.state ?? 'loading',
      ...(live?.error && { error: live.error }),
      batching: {
        max_batch_size: settings.max_batch_size,
        ...(live?.served && { effective_batch_size: live.served.batcher.settings.maxBatchSize }),
        max_queue_delay_ms: settings.max_queue_delay_ms,
        max_queue: settings.max_queue,
      },
      ...(live?.calibration && { calibration: live.calibration }),
      required: settings.required,
      default: servesModelRoutes(row),
      max_concurrency: settings.max_concurrency ?? 'auto',
      keep_alive: settings.keep_alive_ms === undefined ? 'forever' : `${settings.keep_alive_ms / 1000}s`,
      ...(live?.served && settings.keep_alive_ms !== undefined && { expires_at: this.expiresAt(live.served) }),
      ...(live?.served && { instances: live.served.model.size, solo_instance: live.served.model.hasSolo }),
      ...(live?.served && { memory_bytes: live.served.model.memoryBytes, load_ms: Math.round(live.served.loadMs) }),
      ...(live?.served?.llm && { llm: llmView(live.served.llm, live.served.generating ?? 0) }),
      endpoint: `/api/v1/models/${row.model}/pipeline`,
      created_by: row.created_by,
      created_at: row.created_at,
      updated_at: row.updated_at,
    };
  }

  /**
   * Sets how long the cache keeps a deployed model: for good while any deployment using it says
   * so, else the longest keep_alive among them. Two deployments of one commit and task share one
   * model. Returns false when no deployment uses it any more (the cache's own keep-alive applies).
   */
  private hold(served: ServedModel): boolean {
    const users = [...this.live.values()].filter((live) => live.served === served).map((live) => settingsOf(live.row));
    served.pinned = users.some((settings) => settings.keep_alive_ms === undefined);
    const keepAlives = users.flatMap((settings) => (settings.keep_alive_ms === undefined ? [] : [settings.keep_alive_ms]));
    served.keepAliveMs = served.pinned || keepAlives.length === 0 ? undefined : Math.max(...keepAlives);
    return users.length > 0;
  }

  private expiresAt(served: ServedModel): string {
    const idleFor = performance.now() - served.lastUsed;
    return new Date(Date.now() - idleFor + this.inference.models.keepAliveOf(served)).toISOString();
  }

  private async row(name: string): Promise<Row | undefined> {
    return this.hub.db.selectFrom('deployments').selectAll().where('name', '=', name).executeTakeFirst();
  }

  /** The deployment row, if the actor can read its model (others get 404, as for private repos). */
  private async visibleRow(actor: Actor, name: string): Promise<Row> {
    const row = await this.row(name);
    if (row) {
      try {
        await findRepo(this.hub, actor, 'model', row.model, 'read');
        return row;
      } catch (error) {
        if (!isModaError(error) || error.code !== 'HUB_REPO_NOT_FOUND') throw error;
      }
    }
    throw new ModaError('NOT_FOUND', `no deployment named "${name}"`);
  }

  /** Changing or removing a deployment takes what creating it took: write rights on its model. */
  private async requireManage(actor: Actor, row: Row): Promise<void> {
    requireWriteToken(actor);
    await findRepo(this.hub, actor, 'model', row.model, 'write');
  }

  /**
   * The deployment's model from the cache. With `retryCrashes` (deploying, restoring), a load whose
   * process died is tried again after the cache's backoff until it loads or is quarantined; a
   * request waking the model instead gets the crash (503 with Retry-After) at once.
   */
  private async acquire(row: Row, snapshot: Awaited<ReturnType<InferenceService['snapshot']>>, options: { pinned: boolean; replicas?: number }, retryCrashes: boolean): Promise<ServedModel> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.inference.models.acquire(snapshot, row.task, options);
      } catch (error) {
        const wait = isModaError(error) ? error.details?.retryAfterSeconds : undefined;
        if (!retryCrashes || !isModaError(error) || !CRASH_CODES.has(error.code) || typeof wait !== 'number' || attempt >= this.hub.config.modelCrashLimit) throw error;
        await sleep(wait * 1000);
      }
    }
  }

  /** Records the outcome of a load on the row, if it still names the commit that was loaded. */
  private async record(row: Row, outcome: { loaded: true } | { loaded: false; error: { code: string; message: string } }): Promise<void> {
    const failure = outcome.loaded ? null : JSON.stringify({ commit: row.commit_sha, code: outcome.error.code, message: outcome.error.message } satisfies StoredFailure);
    const update = outcome.loaded ? { loaded_commit: row.commit_sha, failure } : { failure };
    await this.hub.db.updateTable('deployments').set(update).where('name', '=', row.name).where('commit_sha', '=', row.commit_sha).execute();
  }

  /** Loads (or reloads) a deployment's model in this process, reporting progress. */
  private start(row: Row, emit: (event: DeploymentEvent) => void = () => undefined, retryCrashes = true): Live {
    const settings = settingsOf(row);
    const live: Live = { row, state: 'loading', settled: Promise.resolve() };
    const previous = this.live.get(row.name);
    // Waking an idle deployment: its batch size was measured on this commit already.
    const measured = previous?.row.commit_sha === row.commit_sha ? previous.calibration : undefined;
    this.live.set(row.name, live);
    live.settled = (async () => {
      try {
        emit({ status: 'materializing', deployment: row.name });
        const snapshot = await this.inference.snapshot(importActor, row.model, row.commit_sha);
        emit({ status: 'loading', deployment: row.name });
        const concurrency = settings.max_concurrency ?? 'auto';
        const served = await this.acquire(row, snapshot, { pinned: settings.keep_alive_ms === undefined, ...(concurrency !== 'auto' && { replicas: concurrency }) }, retryCrashes);
        if (concurrency !== 'auto') await this.inference.models.scale(served, concurrency);
        const fixed = settings.max_batch_size === 'auto' ? undefined : settings.max_batch_size;
        let size = fixed ?? this.hub.config.maxBatchSize;
        if (fixed === undefined && measured) {
          live.calibration = measured;
          size = measured.chosen;
        } else if (fixed === undefined && served.llm) {
          // llama.cpp batches by sequences, each request joining at the next token: input batches
          // of generations measure nothing, so the sequences are the batch.
          size = served.llm.sequences;
        } else if (fixed === undefined) {
          emit({ status: 'calibrating', deployment: row.name });
          live.calibration = await calibrateBatchSize(served.model, served.task, this.inference.models.runContext, Math.max(1, Math.min(32, this.hub.config.maxBatchSize * 4)));
          size = live.calibration.chosen;
        }
        served.batcher.reconfigure({ ...served.batcher.settings, maxBatchSize: size, maxQueueDelayMs: settings.max_queue_delay_ms, maxQueue: settings.max_queue });
        live.served = served;
        live.state = 'ready';
        this.hold(served);
        // A row that cannot be marked is only not restored at the next start; the model serves now.
        await this.record(row, { loaded: true }).catch(() => undefined);
        // The previous commit's model, when redeployed to a new one, goes unless another deployment uses it.
        if (previous?.served && previous.served !== served && !this.hold(previous.served)) void this.inference.models.unload(previous.served);
      } catch (error) {
        live.state = 'failed';
        live.error = isModaError(error) ? { code: error.code, message: error.message } : { code: 'INTERNAL', message: (error as Error).message };
        live.reloadable = CRASH_CODES.has(live.error.code);
        await this.record(row, { loaded: false, error: live.error }).catch(() => undefined);
      }
    })();
    return live;
  }

  async create(actor: Actor, input: DeploymentInput, emit?: (event: DeploymentEvent) => void): Promise<DeploymentView> {
    const user = requireWriteToken(actor);
    if (typeof input.model !== 'string') throw new ModaError('VALIDATION_FAILED', 'model must be "owner/name"');
    const name = input.name ?? input.model.replace('/', '--').toLowerCase();
    if (!NAME.test(name)) throw new ModaError('VALIDATION_FAILED', 'name must be 1–64 lowercase letters, digits, ".", "_" or "-"');
    const settings = checkSettings(input.batching, this.defaults(), input.required, input.max_concurrency, input.keep_alive, input.default ?? true);
    // A model that cannot be read is not found; one that can be read but not written is forbidden.
    await findRepo(this.hub, actor, 'model', input.model, 'write');
    checkRequiredBy(actor, input.required);
    checkNamePrefix(name, input.model);
    if (await this.row(name)) throw nameTaken(name);
    emit?.({ status: 'resolving', deployment: name });
    const snapshot = await this.inference.snapshot(actor, input.model, input.revision ?? 'main');
    const task: TaskId = (await planModel(snapshot, input.task)).task;
    const now = new Date().toISOString();
    // Not marked loaded until its model loads: a server that stops meanwhile does not load it at its next start.
    const row: Row = { name, model: snapshot.repo, revision: input.revision ?? 'main', commit_sha: snapshot.commit, task, settings: JSON.stringify(settings), created_by: user, created_at: now, updated_at: now, loaded_commit: null, failure: null };
    try {
      await this.hub.db.insertInto('deployments').values(row).execute();
    } catch (error) {
      if (await this.row(name)) throw nameTaken(name);
      throw error;
    }
    await recordAuditEvent(this.hub, actor, 'deployment.create', `deployment:${name}`, { model: snapshot.repo });
    const live = this.start(row, emit);
    await live.settled;
    const view = this.view(row);
    if (live.state === 'failed') {
      // A deployment that cannot load is not kept: the caller gets the load error itself.
      await this.hub.db.deleteFrom('deployments').where('name', '=', name).execute();
      this.live.delete(name);
      this.announce(name);
      emit?.({ status: 'failed', deployment: view });
      const code = (live.error?.code ?? 'INTERNAL') as ModaError['code'];
      throw new ModaError(code, live.error?.message);
    }
    this.announce(name);
    emit?.({ status: view.state === 'ready' ? 'ready' : 'failed', deployment: view });
    return view;
  }

  async list(actor: Actor): Promise<DeploymentView[]> {
    const rows = await this.hub.db.selectFrom('deployments').selectAll().orderBy('name').execute();
    const visible: DeploymentView[] = [];
    for (const row of rows) {
      const readable = await findRepo(this.hub, actor, 'model', row.model, 'read').then(() => true, () => false);
      if (readable) visible.push(this.view(row));
    }
    return visible;
  }

  async get(actor: Actor, name: string): Promise<DeploymentView> {
    return this.view(await this.visibleRow(actor, name));
  }

  /** New batching settings apply at once; a new revision (or `redeploy`) pins the commit it names now. */
  async update(actor: Actor, name: string, patch: DeploymentPatch, emit?: (event: DeploymentEvent) => void): Promise<DeploymentView> {
    const row = await this.visibleRow(actor, name);
    await this.requireManage(actor, row);
    const stored = settingsOf(row);
    checkRequiredBy(actor, patch.required, stored.required);
    const settings = checkSettings({ ...stored, ...patch.batching }, this.defaults(), patch.required ?? stored.required, patch.max_concurrency ?? stored.max_concurrency, patch.keep_alive ?? (stored.keep_alive_ms === undefined ? 'forever' : `${stored.keep_alive_ms}ms`), patch.default ?? servesModelRoutes(row));
    const revision = patch.revision ?? row.revision;
    let commit = row.commit_sha;
    if (patch.revision !== undefined || patch.redeploy) commit = (await this.inference.snapshot(actor, row.model, revision)).commit;
    const updated: Row = { ...row, revision, commit_sha: commit, settings: JSON.stringify(settings), updated_at: new Date().toISOString() };
    // A redeploy is the owner's word that the model may be loaded again, quarantined or not.
    if (patch.revision !== undefined || patch.redeploy) this.inference.models.forgive(row.model, commit, row.task);
    await this.hub.db.updateTable('deployments').set({ revision, commit_sha: commit, settings: updated.settings, updated_at: updated.updated_at }).where('name', '=', name).execute();
    const live = this.live.get(name);
    if (commit !== row.commit_sha || !live?.served || settings.max_batch_size !== stored.max_batch_size || patch.redeploy) {
      await this.start(updated, emit).settled;
    } else {
      await this.applySettings(live, live.served, updated);
    }
    this.announce(name);
    const view = this.view(updated);
    emit?.({ status: view.state === 'ready' ? 'ready' : 'failed', deployment: view });
    return view;
  }

  /** New settings of a deployment whose model stays loaded: hold, instances and batching. */
  private async applySettings(live: Live, served: ServedModel, row: Row): Promise<void> {
    const settings = settingsOf(row);
    live.row = row;
    this.hold(served);
    if (settings.max_concurrency !== undefined && settings.max_concurrency !== 'auto') await this.inference.models.scale(served, settings.max_concurrency);
    served.batcher.reconfigure({
      ...served.batcher.settings,
      maxBatchSize: settings.max_batch_size === 'auto' ? served.batcher.settings.maxBatchSize : settings.max_batch_size,
      maxQueueDelayMs: settings.max_queue_delay_ms,
      maxQueue: settings.max_queue,
    });
  }

  async delete(actor: Actor, name: string): Promise<void> {
    const row = await this.visibleRow(actor, name);
    await this.requireManage(actor, row);
    await this.hub.db.deleteFrom('deployments').where('name', '=', name).execute();
    await recordAuditEvent(this.hub, actor, 'deployment.delete', `deployment:${name}`, { model: row.model });
    await this.drop(name);
    this.announce(name);
  }

  /** Forgets a deployment here, unloading its model unless another deployment uses it. */
  private async drop(name: string): Promise<void> {
    const live = this.live.get(name);
    this.live.delete(name);
    if (live?.served && !this.hold(live.served)) await this.inference.models.unload(live.served);
  }

  /**
   * Another replica created, changed or deleted deployment `name` (undefined: maybe any, after a
   * lost connection). Followed in the background, in order; requests for a model wait for it.
   */
  changedElsewhere(name: string | undefined): void {
    this.following = this.following.then(() => this.follow(name)).catch((error: unknown) => this.logError(`could not follow a deployment change${name ? ` of "${name}"` : ''}`, error));
  }

  /** Brings this replica's copy of deployment `only` (or of all) in line with the database. */
  private async follow(only: string | undefined): Promise<void> {
    const rows = only === undefined ? await this.hub.db.selectFrom('deployments').selectAll().execute() : await this.row(only).then((row) => (row ? [row] : []));
    const stored = new Map(rows.map((row) => [row.name, row]));
    const names = only === undefined ? new Set([...stored.keys(), ...this.live.keys()]) : new Set([only]);
    for (const name of names) {
      const row = stored.get(name);
      if (!row) {
        await this.drop(name);
        continue;
      }
      const live = this.live.get(name);
      const sameCommit = live?.row.commit_sha === row.commit_sha;
      if (live && sameCommit && live.row.updated_at === row.updated_at && live.state !== 'failed') continue;
      if (live && sameCommit && live.state === 'loading') {
        // The load under way uses the settings it started with: look again once it is done.
        void live.settled.then(() => this.changedElsewhere(name));
        continue;
      }
      if (live?.served && live.state === 'ready' && sameCommit && settingsOf(row).max_batch_size === settingsOf(live.row).max_batch_size) {
        await this.applySettings(live, live.served, row);
        continue;
      }
      const failure = storedFailure(row);
      if (failure?.commit === row.commit_sha && failure.code === 'MODEL_QUARANTINED') {
        this.live.set(name, { row, state: 'failed', error: { code: failure.code, message: failure.message }, settled: Promise.resolve() });
        continue;
      }
      // The replica that made the change announces again once its model loaded (loaded_commit);
      // until then this one keeps what it serves, or shows the deployment as loading.
      if (row.loaded_commit !== row.commit_sha) continue;
      if (live?.row.commit_sha !== row.commit_sha || live.state === 'failed') this.inference.models.forgive(row.model, row.commit_sha, row.task);
      this.start(row);
    }
  }

  /** The model a ready deployment of `model` serves; undefined when none is ready now (nothing waits or wakes). */
  readyFor(model: string): ServedModel | undefined {
    const key = model.toLowerCase();
    for (const live of this.live.values()) {
      if (live.row.model.toLowerCase() === key && live.state === 'ready' && live.served && servesModelRoutes(live.row)) return live.served;
    }
    return undefined;
  }

  /**
   * The deployment serving `model`, if any (requests without a revision go to it): its loaded model,
   * or — for an idle one — the model loaded again now. Undefined while none is ready or waking.
   */
  async servedFor(model: string): Promise<ServedModel | undefined> {
    // A change another replica announced is followed first: its client may ask here next.
    await this.following;
    const key = model.toLowerCase();
    for (const [name, live] of this.live) {
      if (live.row.model.toLowerCase() !== key || !servesModelRoutes(live.row)) continue;
      if (live.state === 'ready' && live.served) return live.served;
      if (live.state === 'idle' || (live.state === 'failed' && live.reloadable)) {
        const waking = this.start(live.row, undefined, false);
        await waking.settled;
        if (waking.state === 'ready') return waking.served;
        throw new ModaError((waking.error?.code ?? 'INTERNAL') as ModaError['code'], `deployment ${name} could not be loaded again: ${waking.error?.message ?? 'unknown error'}`);
      }
      if (live.state === 'loading') {
        // A load or wake under way: wait for it rather than loading the model a second way.
        await live.settled;
        return this.live.get(name)?.served;
      }
    }
    return undefined;
  }

  /**
   * Loads every stored deployment in the background (server start), except those whose commit never
   * loaded (the server stopped during their first load) and quarantined ones: they show `failed`
   * with the reason until redeployed.
   */
  async restore(): Promise<void> {
    const rows = await this.hub.db.selectFrom('deployments').selectAll().execute();
    for (const row of rows) {
      const failure = storedFailure(row);
      if (failure?.commit === row.commit_sha && failure.code === 'MODEL_QUARANTINED') {
        this.live.set(row.name, { row, state: 'failed', error: { code: failure.code, message: failure.message }, settled: Promise.resolve() });
        this.inference.models.quarantine(row.model, row.commit_sha, row.task, new ModaError('MODEL_QUARANTINED', failure.message));
      } else if (row.loaded_commit !== row.commit_sha) {
        const why = failure?.commit === row.commit_sha ? `its last load failed (${failure.code}: ${failure.message})` : 'the server stopped before its model had loaded';
        this.live.set(row.name, { row, state: 'failed', error: { code: 'MODEL_LOAD_FAILED', message: `deployment ${row.name} is not loaded at start: ${why}; PATCH it with {"redeploy": true} to load it again` }, settled: Promise.resolve() });
      } else {
        this.start(row);
      }
    }
  }

  /** Ready when every required deployment is loaded, or idle by its keep_alive (the next request loads it). */
  async readiness(): Promise<{ ready: boolean; waiting: string[] }> {
    const rows = await this.hub.db.selectFrom('deployments').selectAll().execute();
    const up = (state: DeploymentState | undefined) => state === 'ready' || state === 'idle';
    const waiting = rows.filter((row) => settingsOf(row).required && !up(this.live.get(row.name)?.state)).map((row) => row.name);
    return { ready: waiting.length === 0, waiting };
  }
}

/** What /api/ps and /metrics say of a GGUF model, for its deployment. */
function llmView(llm: ServedLlm, generating: number): NonNullable<DeploymentView['llm']> {
  return {
    quant: llm.quant,
    file: llm.file,
    sequences: llm.sequences,
    sequences_in_use: Math.min(generating, llm.sequences),
    queued: Math.max(0, generating - llm.sequences),
    context_length: llm.contextSize,
    kv_cache_bytes: llm.kvBytesPerSequence * llm.sequences,
  };
}
