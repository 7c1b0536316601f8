// Which hub models the OpenAI API offers: those the caller may read whose task an OpenAI endpoint
// serves (text-generation: chat and text completions; feature-extraction: embeddings), found from
// the search index, plus any such model loaded right now, as OpenAI model objects.
import type { Actor } from '../../hub/actor.js';
import type { HubContext } from '../../hub/context.js';
import { findRepo, type RepoRow } from '../../hub/repos/repo-record.js';
import { MAX_PAGE, searchRepos } from '../../hub/repos/search-repos.js';
import type { InferenceService } from '../../serve/inference-service.js';
import type { TaskId } from '../../tasks/catalog.js';
import { ModaError } from '../../errors/moda-error.js';
import { splitModelTag } from '../../pipelines/llm/gguf-variant.js';

export interface OpenAiModel {
  id: string;
  object: 'model';
  /** Unix seconds. */
  created: number;
  owned_by: string;
}

export const OPENAI_TASKS: ReadonlySet<TaskId> = new Set<TaskId>(['text-generation', 'feature-extraction']);

// A repo without a pipeline_tag is told by its config.json architecture, as pipelines/transformers/hf-task.ts
// does when it loads one; only the two answers the OpenAI API cares about are needed here.
const CAUSAL_LM = /ForCausalLM$|LMHeadModel$/;
const NOT_TEXT_ENCODER = /^(VisionEncoderDecoder|CLIP|SigLIP|Siglip|ChineseCLIP|Whisper|Speech2Text|Moonshine|T5|MT5|Bart|Marian|M2M100|NllbMoe|Vits|SpeechT5)/;

function architectureOf(row: RepoRow): string | undefined {
  if (row.config === null) return undefined;
  try {
    const architectures = (JSON.parse(row.config) as { architectures?: unknown }).architectures;
    return Array.isArray(architectures) && typeof architectures[0] === 'string' ? architectures[0] : undefined;
  } catch {
    return undefined;
  }
}

function hasTag(row: RepoRow, tag: string): boolean {
  try {
    const tags = JSON.parse(row.tags) as unknown;
    return Array.isArray(tags) && tags.includes(tag);
  } catch {
    return false;
  }
}

/** The OpenAI-served task of a repo, judged from its index row alone. */
export function openAiTaskOf(row: RepoRow): TaskId | undefined {
  if (row.pipeline_tag !== null) return OPENAI_TASKS.has(row.pipeline_tag as TaskId) ? (row.pipeline_tag as TaskId) : undefined;
  // A GGUF repo needs no card or configuration: llama.cpp generates with it (embedding GGUFs carry a pipeline_tag).
  if (hasTag(row, 'gguf')) return 'text-generation';
  const architecture = architectureOf(row);
  if (architecture === undefined) return undefined;
  if (CAUSAL_LM.test(architecture)) return 'text-generation';
  if (architecture.endsWith('Model') && !NOT_TEXT_ENCODER.test(architecture)) return 'feature-extraction';
  return undefined;
}

function modelObject(row: RepoRow): OpenAiModel {
  const created = Date.parse(row.created_at);
  return { id: `${row.namespace}/${row.name}`, object: 'model', created: Number.isFinite(created) ? Math.floor(created / 1000) : 0, owned_by: row.namespace };
}

export async function listOpenAiModels(hub: HubContext, inference: InferenceService, actor: Actor): Promise<OpenAiModel[]> {
  const models = new Map<string, OpenAiModel>();
  // transformers.js is the library of every Hugging Face-layout repo with ONNX weights, the ones an
  // architecture may make servable without a pipeline_tag.
  const queries = [{ pipelineTag: 'text-generation' }, { pipelineTag: 'feature-extraction' }, { library: 'transformers.js' }, { filters: ['gguf'] }];
  for (const query of queries) {
    const { rows } = await searchRepos(hub, actor, { type: 'model', ...query, limit: MAX_PAGE });
    for (const row of rows) if (openAiTaskOf(row)) models.set(row.key, modelObject(row));
  }
  for (const served of inference.models.list()) {
    if (!OPENAI_TASKS.has(served.task) || models.has(served.repo.toLowerCase())) continue;
    const repo = await findRepo(hub, actor, 'model', served.repo).catch(() => undefined);
    if (repo) models.set(repo.row.key, modelObject(repo.row));
  }
  return [...models.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** One model the caller may read and an OpenAI endpoint serves; otherwise model_not_found. */
export async function retrieveOpenAiModel(hub: HubContext, inference: InferenceService, actor: Actor, id: string): Promise<OpenAiModel> {
  // owner/name:TAG names one quantisation of a GGUF repo; the object keeps the id asked for.
  const { repoId, tag } = splitModelTag(id);
  const { row } = await findRepo(hub, actor, 'model', repoId);
  const loaded = inference.models.list().some((served) => served.repo.toLowerCase() === row.key && OPENAI_TASKS.has(served.task));
  if (!openAiTaskOf(row) && !loaded) throw new ModaError('HUB_REPO_NOT_FOUND', `${id} is not a text-generation or feature-extraction model, the kinds the OpenAI API serves`, { details: { param: 'model' } });
  const model = modelObject(row);
  return tag === undefined ? model : { ...model, id: `${model.id}:${tag}` };
}
