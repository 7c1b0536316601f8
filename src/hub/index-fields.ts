// Derives a repo's searchable fields from its card, its ModelScope `configuration.json` and its
// Hugging Face `config.json`, the way the Hugging Face hub fills pipeline_tag, library_name and tags.
import type { RepoFile } from './list-files.js';
import { parseModelCard } from './model-card.js';

export interface IndexFields {
  pipelineTag: string | null;
  libraryName: string | null;
  license: string | null;
  tags: string[];
  cardData: Record<string, unknown> | null;
  config: Record<string, unknown> | null;
}

export interface IndexSources {
  files: RepoFile[];
  readme?: string;
  configuration?: string;
  config?: string;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

function firstString(...values: unknown[]): string | null {
  for (const value of values) if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return null;
}

export function deriveIndexFields({ files, readme, configuration, config }: IndexSources): IndexFields {
  const card = readme === undefined ? {} : parseModelCard(readme).data;
  const msConfig = parseJson(configuration);
  const hfConfig = parseJson(config);
  const msPipeline = asObject(msConfig?.pipeline);

  const pipelineTag = firstString(card.pipeline_tag, msConfig?.task, msPipeline?.type === undefined ? undefined : msConfig?.task);
  const hasOnnx = files.some((file) => file.path.endsWith('.onnx'));
  const libraryName = firstString(
    card.library_name,
    msConfig?.framework,
    hfConfig && hasOnnx ? 'transformers.js' : undefined,
    hfConfig?.model_type ? 'transformers' : undefined,
  );
  const license = firstString(card.license);

  const tags = new Set<string>();
  for (const tag of strings(card.tags)) tags.add(tag);
  if (libraryName) tags.add(libraryName);
  if (pipelineTag) tags.add(pipelineTag);
  for (const language of strings(card.language)) tags.add(language);
  for (const dataset of strings(card.datasets)) tags.add(`dataset:${dataset}`);
  const bases = strings(card.base_model);
  const relation = baseModelRelation(card.base_model_relation, bases.length, files);
  for (const base of bases) {
    tags.add(`base_model:${base}`);
    // The Hub's lineage tags (filter=base_model:finetune:<id>), its relation inferred as it does.
    tags.add(`base_model:${relation}:${base}`);
  }
  if (license) tags.add(`license:${license}`);
  if (hasOnnx) tags.add('onnx');
  if (files.some((file) => file.path.endsWith('.safetensors'))) tags.add('safetensors');
  if (files.some((file) => file.path.endsWith('.gguf'))) tags.add('gguf');
  if (typeof hfConfig?.model_type === 'string') tags.add(hfConfig.model_type);

  const hfSummary: Record<string, unknown> = {};
  if (hfConfig?.architectures !== undefined) hfSummary.architectures = hfConfig.architectures;
  if (hfConfig?.model_type !== undefined) hfSummary.model_type = hfConfig.model_type;
  if (msConfig) hfSummary.modelscope = { framework: msConfig.framework, task: msConfig.task, pipeline: msPipeline ?? null };

  return {
    pipelineTag,
    libraryName,
    license,
    tags: [...tags],
    cardData: Object.keys(card).length > 0 ? card : null,
    config: Object.keys(hfSummary).length > 0 ? hfSummary : null,
  };
}

/** The languages of a card, for `language=` filtering. */
export function cardLanguages(cardData: Record<string, unknown> | null): string[] {
  return strings(cardData?.language);
}

const BASE_MODEL_RELATIONS = ['finetune', 'adapter', 'merge', 'quantized'];

/** `base_model_relation` when the card gives a known one; else merge for several bases, adapter or quantized from the files, finetune otherwise. */
function baseModelRelation(given: unknown, bases: number, files: readonly { path: string }[]): string {
  if (typeof given === 'string' && BASE_MODEL_RELATIONS.includes(given)) return given;
  if (bases > 1) return 'merge';
  if (files.some((file) => file.path.endsWith('adapter_config.json'))) return 'adapter';
  if (files.some((file) => file.path.endsWith('.gguf'))) return 'quantized';
  return 'finetune';
}
