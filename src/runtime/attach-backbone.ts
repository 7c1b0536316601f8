// A tuned model that runs on top of another (a classifier head on a frozen backbone) names that base
// model in its configuration.json as `backbone: {repo, commit}`: pinned to a commit, so the head is
// always served on the exact features it was trained on. Whoever opens a snapshot (the server from
// its hub, `pipeline()` through the HTTP API, a job) attaches the backbone's snapshot with its own
// way of reading repos; the pipeline then loads it beside the head.
import { isModaError, ModaError } from '../errors/moda-error.js';
import { COMMIT_SHA } from '../hub/paths.js';
import type { ModelConfiguration } from './model-configuration.js';
import type { ModelSnapshot } from './model-snapshot.js';

export interface BackboneReference {
  /** `owner/name` of a model repo. */
  repo: string;
  /** The full commit sha the model was tuned on. */
  commit: string;
}

const REPO_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}\/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

/** The backbone configuration.json names, checked; undefined when it names none. */
export function backboneReference(configuration: ModelConfiguration | undefined): BackboneReference | undefined {
  const raw = configuration?.backbone;
  if (raw === undefined) return undefined;
  const value = raw as Partial<Record<string, unknown>> | null;
  if (typeof value !== 'object' || value === null || typeof value.repo !== 'string' || !REPO_ID.test(value.repo) || typeof value.commit !== 'string' || !COMMIT_SHA.test(value.commit)) {
    throw new ModaError('MODEL_LOAD_FAILED', 'configuration.json backbone must be {"repo": "owner/name", "commit": "<40-hex commit sha>"}');
  }
  return { repo: value.repo, commit: value.commit };
}

export type OpenBackbone = (reference: BackboneReference) => Promise<ModelSnapshot>;

/**
 * The snapshot with its backbone attached (itself when it names none). A backbone that names a
 * backbone of its own is refused: one level keeps loading bounded and cycles impossible.
 */
export async function attachBackbone(snapshot: ModelSnapshot, open: OpenBackbone): Promise<ModelSnapshot> {
  const reference = backboneReference(snapshot.configuration);
  if (!reference) return snapshot;
  let backbone: ModelSnapshot;
  try {
    backbone = await open(reference);
  } catch (error) {
    const reason = isModaError(error) ? `${error.code}: ${error.message}` : (error as Error).message;
    throw new ModaError('BACKBONE_UNAVAILABLE', `${snapshot.repo} runs on ${reference.repo}@${reference.commit.slice(0, 12)}, which cannot be read (${reason})`, { cause: error, details: { backbone: reference.repo, commit: reference.commit } });
  }
  if (backboneReference(backbone.configuration)) throw new ModaError('MODEL_LOAD_FAILED', `${reference.repo}, the backbone of ${snapshot.repo}, has a backbone of its own; only one level is supported`);
  return { ...snapshot, backbone };
}
