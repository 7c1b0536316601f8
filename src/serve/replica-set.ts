// Several instances of one model behind one LoadedPipeline: each batch goes to the instance with
// the fewest batches in flight. On CPU a single-threaded engine (tfjs-wasm, fastText, jieba) keeps
// only one core busy, so a model served with one instance per core answers up to that many times
// more requests. The set can grow and shrink while it serves (a deployment's `max_concurrency`).
// A set of single-threaded ONNX sessions may also hold a solo instance, one session over every
// core: a batch that has the machine to itself runs there, so a lone request is not held to one
// core, while batches that run side by side each keep a core of their own.
import { ModaError } from '../errors/moda-error.js';
import type { GenerateRequest, GenerateResult, LoadedPipeline, RunContext } from '../pipelines/pipeline-implementation.js';
import type { BatchInfo } from './batcher.js';

interface Instance {
  model: LoadedPipeline;
  inFlight: number;
  /** Set when the instance is being removed: it takes no new batches. */
  retiring: boolean;
}

function isBroken(model: LoadedPipeline): boolean {
  return 'broken' in model && model.broken === true;
}

function failureOf(model: LoadedPipeline): unknown {
  return 'failure' in model ? model.failure : undefined;
}

export class ReplicaSet implements LoadedPipeline {
  private readonly instances: Instance[];
  private solo: Instance | undefined;
  private soloRuns = 0;
  private readonly drained = new Map<Instance, () => void>();
  /** The first instance's token-level methods (calls into its process). */
  readonly generate?: (request: GenerateRequest) => Promise<GenerateResult>;
  readonly countTokens?: (texts: readonly string[]) => Promise<number[]>;

  constructor(
    first: LoadedPipeline,
    /** Loads one more instance for a set that will then hold `instances` (its threads share the cores among them). */
    private readonly loadInstance: (instances: number) => Promise<LoadedPipeline>,
  ) {
    this.instances = [{ model: first, inFlight: 0, retiring: false }];
    if (first.generate) this.generate = first.generate.bind(first);
    if (first.countTokens) this.countTokens = first.countTokens.bind(first);
  }

  get task() {
    return this.first.task;
  }

  get type() {
    return this.first.type;
  }

  get engine() {
    return this.first.engine;
  }

  private get first(): LoadedPipeline {
    const instance = this.instances[0];
    if (!instance) throw new ModaError('INTERNAL', 'a replica set without instances');
    return instance.model;
  }

  /** Instances that take batches. */
  get size(): number {
    return this.instances.filter((instance) => !instance.retiring).length;
  }

  /** Every instance, the solo one included. */
  private get all(): Instance[] {
    return this.solo ? [...this.instances, this.solo] : this.instances;
  }

  get memoryBytes(): number {
    return this.all.reduce((total, instance) => total + instance.model.memoryBytes, 0);
  }

  /** True when an instance's process died: the cache then drops the whole set and loads afresh. */
  get broken(): boolean {
    return this.all.some((instance) => isBroken(instance.model));
  }

  /** Why the first broken instance's process died. */
  get failure(): unknown {
    const broken = this.all.find((instance) => isBroken(instance.model));
    return broken && failureOf(broken.model);
  }

  /** Resident bytes of every instance's process, as last measured (0 for instances not in a process). */
  get rssBytes(): number {
    return this.all.reduce((total, instance) => total + ('rssBytes' in instance.model && typeof instance.model.rssBytes === 'number' ? instance.model.rssBytes : 0), 0);
  }

  /** Gives the set its solo instance: one spread over every core, for batches that run alone. */
  setSolo(model: LoadedPipeline): void {
    if (this.solo) throw new ModaError('INTERNAL', 'the replica set already has a solo instance');
    this.solo = { model, inFlight: 0, retiring: false };
  }

  get hasSolo(): boolean {
    return this.solo !== undefined;
  }

  /** Batches the solo instance has run since the set was loaded. */
  get soloBatches(): number {
    return this.soloRuns;
  }

  /** Takes the solo instance away (a count was asked for); it is disposed once its batch is done. */
  async dropSolo(): Promise<void> {
    const solo = this.solo;
    if (!solo) return;
    this.solo = undefined;
    await this.drain(solo);
    await solo.model.dispose();
  }

  /**
   * Runs a batch on the solo instance when the batcher says it runs alone and no instance is busy;
   * otherwise on the least busy instance. A solo run still going when the next batch arrives shares
   * the cores with it for the rest of that one run.
   */
  async run(inputs: readonly unknown[], parameters: Readonly<Record<string, unknown>>, context: RunContext, info?: BatchInfo): Promise<unknown[]> {
    let chosen: Instance | undefined;
    if (info?.alone && this.solo && this.all.every((instance) => instance.inFlight === 0)) {
      chosen = this.solo;
      this.soloRuns++;
    } else {
      for (const instance of this.instances) {
        if (!instance.retiring && (!chosen || instance.inFlight < chosen.inFlight)) chosen = instance;
      }
    }
    if (!chosen) throw new ModaError('MODEL_INFERENCE_FAILED', 'the model is being unloaded');
    const instance = chosen;
    instance.inFlight++;
    try {
      return await instance.model.run(inputs, parameters, context);
    } finally {
      instance.inFlight--;
      if (instance.inFlight === 0) this.drained.get(instance)?.();
    }
  }

  /** Loads or retires instances until `count` take batches; retired ones are disposed once idle. */
  async resize(count: number): Promise<void> {
    const target = Math.max(1, Math.floor(count));
    const active = this.instances.filter((instance) => !instance.retiring);
    if (active.length < target) {
      const loads = await Promise.allSettled(Array.from({ length: target - active.length }, () => this.loadInstance(target)));
      const failed = loads.find((load) => load.status === 'rejected');
      const added = loads.flatMap((load) => (load.status === 'fulfilled' ? [load.value] : []));
      if (failed) {
        // All or nothing: instances that did load would otherwise hold their processes unseen.
        await Promise.all(added.map((model) => model.dispose()));
        throw failed.reason;
      }
      for (const model of added) this.instances.push({ model, inFlight: 0, retiring: false });
      return;
    }
    const retired = active.slice(target);
    for (const instance of retired) instance.retiring = true;
    await Promise.all(retired.map((instance) => this.retire(instance)));
  }

  /** Resolves once the instance has no batch in flight. */
  private async drain(instance: Instance): Promise<void> {
    if (instance.inFlight > 0) await new Promise<void>((resolve) => this.drained.set(instance, resolve));
    this.drained.delete(instance);
  }

  private async retire(instance: Instance): Promise<void> {
    await this.drain(instance);
    this.instances.splice(this.instances.indexOf(instance), 1);
    await instance.model.dispose();
  }

  async dispose(): Promise<void> {
    await Promise.all(this.all.map((instance) => instance.model.dispose()));
  }
}
