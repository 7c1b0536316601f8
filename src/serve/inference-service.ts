// Runs a request against a hub model: the repo is looked up with the caller's rights (a private
// model is served only to tokens that can read it), the revision is pinned to a commit, the
// snapshot is materialised once, the model comes from the shared cache, and the inputs are checked
// against the task schema before they join a batch. Media inputs become bytes before then too: URLs
// are fetched under this request's own limits, and the memory decoding will take is reserved.
import { ModaError } from '../errors/moda-error.js';
import type { Actor } from '../hub/actor.js';
import type { HubContext } from '../hub/context.js';
import { findRepo, type RepoRecord } from '../hub/repos/repo-record.js';
import { resolveRevisionCached } from '../hub/resolve-revision-cached.js';
import { LruCache } from '../hub/lru-cache.js';
import { DecodeBudget } from '../pipelines/media/decode-budget.js';
import { parseFetchAllowlist } from '../pipelines/media/fetch-allowlist.js';
import type { InputFetchOptions } from '../pipelines/media/fetch-input.js';
import { prepareMediaInputs, type MediaInputOptions } from '../pipelines/media/prepare-media-inputs.js';
import { splitModelTag } from '../pipelines/llm/gguf-variant.js';
import { attachBackbone } from '../runtime/attach-backbone.js';
import { openSnapshot, type ModelSnapshot } from '../runtime/model-snapshot.js';
import { getTask } from '../tasks/catalog.js';
import { validateTaskInput } from '../tasks/validate-task-input.js';
import { materializeSnapshot } from './materialize-snapshot.js';
import type { ModelCache, ServedModel } from './model-cache.js';

export interface InferenceRequest {
  repoId: string;
  revision?: string;
  task?: string;
  inputs: unknown[];
  parameters: unknown;
  signal?: AbortSignal;
  /** Absolute performance.now() deadline. */
  deadline?: number;
}

export interface InferenceResult {
  outputs: unknown[];
  served: ServedModel;
  /** Time in the model's queue and run, ms. */
  inferenceMs: number;
}

/** Seams for tests: how host names resolve, and who is told of each connection an input fetch opens. */
export type InputFetchSeams = Pick<InputFetchOptions, 'resolve' | 'connecting'>;

export class InferenceService {
  /** Snapshots are immutable (keyed by commit), so their parsed configuration is kept. */
  private readonly snapshots = new LruCache<string, Promise<ModelSnapshot>>({ name: 'model-snapshots', maxEntries: 256 });
  /** Memory the media inputs of all requests in flight will take decoded. */
  readonly decodeBudget: DecodeBudget;
  private readonly media: Omit<MediaInputOptions, 'signal'>;

  /** Tests point these at a fake resolver; the server leaves them empty. */
  inputFetchSeams: InputFetchSeams = {};

  constructor(
    private readonly hub: HubContext,
    readonly models: ModelCache,
  ) {
    const { config } = hub;
    this.decodeBudget = new DecodeBudget(config.maxDecodeBytes, config.maxDecodeBytesPerRequest);
    this.media = {
      fetchInputs: config.fetchInputs,
      fetch: { allowlist: parseFetchAllowlist(config.fetchAllow), connectTimeoutMs: config.fetchConnectTimeoutMs, maxBytes: config.fetchMaxBytes },
      fetchTimeoutMs: config.fetchTimeoutMs,
      fetchTotalBytes: config.maxInferenceBytes,
      maxImagePixels: config.maxImagePixels,
    };
  }

  /** The repo, read with the caller's rights, and the commit a revision (default main) names now. */
  private async pin(actor: Actor, repoId: string, revision = 'main'): Promise<{ repo: RepoRecord; commit: string }> {
    const repo = await findRepo(this.hub, actor, 'model', repoId, 'read');
    return { repo, commit: (await resolveRevisionCached(this.hub, repo.gitDir, revision)).commit };
  }

  /** The snapshot a model id names; `owner/name:TAG` picks a GGUF quantisation (Q4_K_M, Q8_0, …). */
  async snapshot(actor: Actor, modelId: string, revision?: string): Promise<ModelSnapshot> {
    const { repoId, tag } = splitModelTag(modelId);
    const { repo, commit } = await this.pin(actor, repoId, revision);
    const key = `${repo.fullName}@${commit}${tag === undefined ? '' : `:${tag}`}`;
    let pending = this.snapshots.get(key);
    if (!pending) {
      pending = this.open(actor, repo, commit, tag);
      pending.catch(() => this.snapshots.delete(key));
      this.snapshots.set(key, pending);
    }
    const snapshot = await pending;
    // The cached snapshot was opened for someone: each caller must be able to read the backbone too.
    if (snapshot.backbone) await this.readBackbone(actor, snapshot.backbone.repo);
    return snapshot;
  }

  private async open(actor: Actor, repo: RepoRecord, commit: string, tag: string | undefined): Promise<ModelSnapshot> {
    const snapshot = await openSnapshot(await materializeSnapshot(this.hub, repo, commit), repo.fullName, commit, tag);
    return attachBackbone(snapshot, async (reference) => {
      const base = await this.readBackbone(actor, reference.repo);
      return openSnapshot(await materializeSnapshot(this.hub, base, reference.commit), base.fullName, reference.commit);
    });
  }

  private async readBackbone(actor: Actor, repoId: string): Promise<RepoRecord> {
    try {
      return await findRepo(this.hub, actor, 'model', repoId, 'read');
    } catch (error) {
      throw new ModaError('BACKBONE_UNAVAILABLE', `the base model ${repoId} this model runs on cannot be read`, { cause: error });
    }
  }

  async load(actor: Actor, repoId: string, revision?: string, task?: string): Promise<ServedModel> {
    return this.models.acquire(await this.snapshot(actor, repoId, revision), task);
  }

  /** The deployment serving a model, consulted for requests that name no revision. */
  deployed: (repoId: string) => Promise<ServedModel | undefined> = () => Promise.resolve(undefined);
  /** The model of a deployment that is ready now, without waiting for one that is loading. */
  deployedNow: (repoId: string) => ServedModel | undefined = () => undefined;

  /**
   * Throws QUEUE_FULL when the model that would serve this request is loaded and its queue cannot
   * take `inputs` more — checked before the request body is read, so a refused client uploads
   * nothing and the server spends almost nothing on it. Reading rights are checked first: a private
   * model's queue is never revealed. A model not loaded yet, or one whose choice depends on the
   * body, is not refused here; `infer` decides once the body is in.
   */
  async refuseWhenFull(actor: Actor, repoId: string, target: { revision?: string; task?: string; inputs: number }): Promise<void> {
    // While no queue is full, which is almost always, a request costs one scan of the loaded models.
    if (!this.models.anyFull(target.inputs)) return;
    if (splitModelTag(repoId).tag !== undefined) return;
    const { repo, commit } = await this.pin(actor, repoId, target.revision);
    let served = target.revision === undefined ? this.deployedNow(repoId) : undefined;
    if (!served || (target.task !== undefined && served.task !== target.task)) served = this.models.peek(repo.fullName, commit, target.task);
    const refusal = served?.batcher.refusal(target.inputs);
    if (served && refusal) {
      this.models.refusedEarly(served);
      throw refusal;
    }
  }

  private async servedFor(actor: Actor, request: InferenceRequest): Promise<ServedModel> {
    // A quantisation tag names a model explicitly: it is not the deployment's.
    const deployed = request.revision === undefined && splitModelTag(request.repoId).tag === undefined ? await this.deployed(request.repoId) : undefined;
    if (deployed && (request.task === undefined || request.task === deployed.task)) {
      // Reading rights are checked on every request, deployed or not.
      await findRepo(this.hub, actor, 'model', request.repoId, 'read');
      return deployed;
    }
    return this.load(actor, request.repoId, request.revision, request.task);
  }

  async infer(actor: Actor, request: InferenceRequest): Promise<InferenceResult> {
    const served = await this.servedFor(actor, request);
    const validated = validateTaskInput(served.task, request.inputs, request.parameters);
    // Before the batch, so a slow URL or a huge image holds up only this request.
    const fetchTimeoutMs = request.deadline === undefined ? this.media.fetchTimeoutMs : Math.min(this.media.fetchTimeoutMs, request.deadline - performance.now());
    const { inputs, decodeBytes } = await prepareMediaInputs(getTask(served.task), validated.inputs, { ...this.media, fetch: { ...this.media.fetch, ...this.inputFetchSeams }, fetchTimeoutMs, ...(request.signal && { signal: request.signal }) });
    const release = this.decodeBudget.reserve(decodeBytes);
    try {
      if (request.deadline !== undefined && performance.now() >= request.deadline) throw new ModaError('INFERENCE_TIMEOUT');
      const started = performance.now();
      const outputs = await this.models.run(served, inputs, validated.parameters as Record<string, unknown>, {
        ...(request.signal && { signal: request.signal }),
        ...(request.deadline !== undefined && { deadline: request.deadline }),
      });
      return { outputs, served, inferenceMs: performance.now() - started };
    } finally {
      release();
    }
  }
}
