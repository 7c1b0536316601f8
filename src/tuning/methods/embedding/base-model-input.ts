// What an embedding method learns from, decided by its base model: the column kind the backbone
// embeds and the classification task the result serves. Checked before the job reads any data, so a
// base model that cannot give embeddings fails the job in a second with MODEL_CANNOT_EMBED.
import { ModaError } from '../../../errors/moda-error.js';
import type { Actor } from '../../../hub/actor.js';
import type { HubContext } from '../../../hub/context.js';
import { classificationTask } from '../../../pipelines/embedding/embedding-spec.js';
import { embeddingSpecOf } from '../../../pipelines/embedding/load-backbone.js';
import { openBaseSnapshot } from './open-base-backbone.js';

export async function baseModelInput(hub: HubContext, actor: Actor, base: { repo: string; commit: string }, wanted: 'image' | 'text' | 'any'): Promise<{ input: 'image' | 'text'; task: 'image-classification' | 'text-classification' }> {
  const spec = await embeddingSpecOf(await openBaseSnapshot(hub, actor, base));
  if (wanted !== 'any' && spec.input !== wanted) throw new ModaError('MODEL_CANNOT_EMBED', `${base.repo} embeds ${spec.input}s; this method needs a model that embeds ${wanted}s`);
  return { input: spec.input, task: classificationTask(spec) };
}
