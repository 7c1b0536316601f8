// Whether a starter tuned model must be rebuilt: its repo's training_params.json (what the last tune
// job trained) is compared with what the catalog entry's `tune` params would train now — method,
// dataset and its current commit, config, splits, columns, hyperparameters with defaults filled,
// seed, base model and its current commit. A changed entry, or a starter dataset imported anew, gets
// a new tune job; an unchanged one queues nothing, whatever else the import does.
import { isDeepStrictEqual } from 'node:util';
import { isModaError } from '../errors/moda-error.js';
import type { HubContext } from '../hub/context.js';
import { readSmallFile } from '../hub/list-files.js';
import { resolveRevision } from '../hub/refs.js';
import { findRepo, type RepoRecord } from '../hub/repos/repo-record.js';
import { importActor } from '../mirror/ensure-namespace.js';
import { DEFAULT_SEED, resolveHyperparameters } from '../tuning/run-tuning.js';
import { findTuneMethod } from '../tuning/tune-methods.js';
import { TRAINING_PARAMS_FILE } from '../tuning/tuned-files.js';

/** What a tune job writes into training_params.json, as far as the comparison reads it. */
interface TrainedParams {
  method?: unknown;
  hyperparameters?: unknown;
  seed?: unknown;
  dataset?: { id?: unknown; commit?: unknown; config?: unknown; train_split?: unknown; validation_split?: unknown };
  columns?: Record<string, unknown>;
  base_model?: { id?: unknown; commit?: unknown } | null;
}

/** The commit `reference` (`namespace/name` or `namespace/name@revision`) names now, or undefined when it is not there. */
async function currentCommit(hub: HubContext, type: 'model' | 'dataset', reference: string, revision?: string): Promise<string | undefined> {
  const [id = '', pinned] = reference.split('@');
  try {
    const repo = await findRepo(hub, importActor, type, id);
    return (await resolveRevision(repo.gitDir, revision ?? pinned ?? repo.row.default_branch)).commit;
  } catch (error) {
    if (isModaError(error) && ['HUB_REPO_NOT_FOUND', 'HUB_REVISION_NOT_FOUND'].includes(error.code)) return undefined;
    throw error;
  }
}

const asList = (value: unknown): unknown => (typeof value === 'string' ? [value] : value);

/** Why the repo's tuned model differs from what `tune` would train now; undefined when it does not. */
export async function tunedEntryChange(hub: HubContext, repo: RepoRecord, tune: Record<string, unknown>): Promise<string | undefined> {
  const head = (await resolveRevision(repo.gitDir, repo.row.default_branch)).commit;
  const raw = await readSmallFile(repo.gitDir, head, TRAINING_PARAMS_FILE);
  if (!raw) return `${repo.fullName} has no ${TRAINING_PARAMS_FILE}`;
  let trained: TrainedParams;
  try {
    trained = JSON.parse(raw.toString('utf8')) as TrainedParams;
  } catch {
    return `${TRAINING_PARAMS_FILE} does not parse`;
  }
  if (trained.method !== tune.method) return `method ${String(trained.method)} → ${String(tune.method)}`;
  const dataset = String(tune.dataset);
  if (trained.dataset?.id !== dataset) return `dataset ${String(trained.dataset?.id)} → ${dataset}`;
  const datasetCommit = await currentCommit(hub, 'dataset', dataset, typeof tune.dataset_revision === 'string' ? tune.dataset_revision : undefined);
  if (datasetCommit !== trained.dataset.commit) return `dataset ${dataset} is at ${datasetCommit?.slice(0, 12) ?? 'nothing'}, the model was trained on ${String(trained.dataset.commit).slice(0, 12)}`;
  // Left unnamed in the entry, these were chosen by the job from the data, which has not changed.
  const named: [string, unknown, unknown][] = [
    ['config', tune.config, trained.dataset.config],
    ['split', tune.split, trained.dataset.train_split],
    ['validation_split', tune.validation_split, trained.dataset.validation_split],
  ];
  const columns = (tune.columns ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(columns)) named.push([`columns.${name}`, name === 'text' ? asList(value) : value, name === 'text' ? asList(trained.columns?.[name]) : trained.columns?.[name]]);
  for (const [name, wanted, had] of named) if (wanted !== undefined && !isDeepStrictEqual(wanted, had)) return `${name} ${JSON.stringify(had)} → ${JSON.stringify(wanted)}`;
  let hyperparameters: Record<string, unknown>;
  try {
    hyperparameters = resolveHyperparameters(findTuneMethod(String(tune.method)), tune.hyperparameters as Record<string, unknown> | undefined);
  } catch (error) {
    // The job refuses them with the same message, where an admin sees it.
    if (isModaError(error)) return error.message;
    throw error;
  }
  if (!isDeepStrictEqual(hyperparameters, trained.hyperparameters)) return `hyperparameters ${JSON.stringify(trained.hyperparameters)} → ${JSON.stringify(hyperparameters)}`;
  const seed = tune.seed ?? DEFAULT_SEED;
  if (seed !== trained.seed) return `seed ${String(trained.seed)} → ${String(seed)}`;
  const base = typeof tune.base_model === 'string' ? tune.base_model : undefined;
  if ((base?.split('@')[0] ?? null) !== (trained.base_model?.id ?? null)) return `base model ${String(trained.base_model?.id ?? 'none')} → ${base ?? 'none'}`;
  if (base) {
    const baseCommit = await currentCommit(hub, 'model', base);
    if (baseCommit !== trained.base_model?.commit) return `base model ${base} is at ${baseCommit?.slice(0, 12) ?? 'nothing'}, the model was built on ${String(trained.base_model?.commit).slice(0, 12)}`;
  }
  return undefined;
}
