// Loads a tuning job's base model as a backbone inside the job's own process: the repo at the commit
// the job pinned, read with the owner's rights, materialised like a served snapshot, and run through
// its own pipeline (load-backbone.ts) — the same code that serves the tuned model later.
import { ModaError } from '../../../errors/moda-error.js';
import type { Actor } from '../../../hub/actor.js';
import type { HubContext } from '../../../hub/context.js';
import { findRepo } from '../../../hub/repos/repo-record.js';
import { embeddingSpecOf, loadBackbone, type Backbone } from '../../../pipelines/embedding/load-backbone.js';
import { openSnapshot, type ModelSnapshot } from '../../../runtime/model-snapshot.js';
import { backboneReference } from '../../../runtime/attach-backbone.js';
import { materializeSnapshot } from '../../../serve/materialize-snapshot.js';

export async function openBaseSnapshot(hub: HubContext, actor: Actor, base: { repo: string; commit: string } | undefined): Promise<ModelSnapshot> {
  if (!base) throw new ModaError('VALIDATION_FAILED', 'this method needs params.base_model: a model that gives embeddings');
  const repo = await findRepo(hub, actor, 'model', base.repo, 'read');
  const snapshot = await openSnapshot(await materializeSnapshot(hub, repo, base.commit), repo.fullName, base.commit);
  if (backboneReference(snapshot.configuration)) throw new ModaError('MODEL_CANNOT_EMBED', `${base.repo} is itself a tuned model on a backbone; tune on its backbone instead`);
  // Refused before any image is read: a base that cannot embed fails in a second, not after the data.
  await embeddingSpecOf(snapshot);
  return snapshot;
}

export async function openBaseBackbone(hub: HubContext, actor: Actor, base: { repo: string; commit: string } | undefined): Promise<Backbone> {
  // One thread: the job shares the machine with the server it must not slow down.
  return loadBackbone(await openBaseSnapshot(hub, actor, base), { device: 'cpu', threads: 1 });
}
