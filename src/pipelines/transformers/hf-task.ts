// Which task a Hugging Face-layout repo runs, from its card's `pipeline_tag` or its config's
// architecture, and which Moda tasks the same weights can also serve.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ModelSnapshot } from '../../runtime/model-snapshot.js';
import { TASK_IDS, type TaskId } from '../../tasks/catalog.js';

/** Architecture-name suffixes, most specific first. */
const ARCHITECTURE_TASKS: readonly [RegExp, TaskId][] = [
  [/ForSequenceClassification$/, 'text-classification'],
  [/ForTokenClassification$/, 'token-classification'],
  [/ForMaskedLM$/, 'fill-mask'],
  [/ForQuestionAnswering$/, 'question-answering'],
  [/ForCausalLM$|LMHeadModel$/, 'text-generation'],
  [/^(Whisper|Speech2Text|Moonshine)/, 'automatic-speech-recognition'],
  [/ForCTC$/, 'automatic-speech-recognition'],
  [/ForConditionalGeneration$|^(T5|MT5|Bart|Marian|M2M100|NllbMoe)/, 'text2text-generation'],
  [/ForImageClassification$/, 'image-classification'],
  [/ForObjectDetection$/, 'object-detection'],
  [/For(Semantic|Instance|Panoptic|Universal)?Segmentation$/, 'image-segmentation'],
  [/^VisionEncoderDecoderModel$/, 'image-to-text'],
  [/^(CLIP|SigLIP|Siglip|ChineseCLIP)Model$/, 'zero-shot-image-classification'],
  [/^(Vits|SpeechT5)/, 'text-to-speech'],
  [/Model$/, 'feature-extraction'],
];

/** Other tasks the same head serves: an encoder's embeddings also give similarity, an NLI head zero-shot. */
const ALSO_SERVES: Partial<Record<TaskId, readonly TaskId[]>> = {
  'feature-extraction': ['sentence-similarity'],
  // sentence-transformers repos are tagged sentence-similarity; their embeddings are the point.
  'sentence-similarity': ['feature-extraction'],
  'text-classification': ['zero-shot-classification'],
  'text2text-generation': ['summarization', 'translation'],
  summarization: ['text2text-generation'],
  translation: ['text2text-generation'],
};

function isTaskId(value: unknown): value is TaskId {
  return typeof value === 'string' && (TASK_IDS as readonly string[]).includes(value);
}

async function cardPipelineTag(dir: string): Promise<string | undefined> {
  const card = await readFile(join(dir, 'README.md'), 'utf8').catch(() => '');
  const match = /^---\r?\n([\s\S]*?)\r?\n---/.exec(card);
  if (!match) return undefined;
  try {
    const front = parseYaml(match[1] ?? '') as { pipeline_tag?: unknown } | null;
    return typeof front?.pipeline_tag === 'string' ? front.pipeline_tag : undefined;
  } catch {
    return undefined;
  }
}

/** The task a Hugging Face-layout snapshot was trained for, when it can be told. */
export async function inferHfTask(snapshot: ModelSnapshot): Promise<TaskId | undefined> {
  const tag = await cardPipelineTag(snapshot.dir);
  if (isTaskId(tag)) return tag;
  if (tag === 'sentence-similarity' || tag === 'text-to-audio') return tag === 'text-to-audio' ? 'text-to-speech' : 'sentence-similarity';
  const architectures = snapshot.hfConfig?.architectures;
  const first = Array.isArray(architectures) && typeof architectures[0] === 'string' ? architectures[0] : undefined;
  if (!first) return undefined;
  return taskOfArchitecture(first);
}

/** The task of a config.json `architectures[0]` name (BertForSequenceClassification → text-classification). */
export function taskOfArchitecture(architecture: string): TaskId | undefined {
  return ARCHITECTURE_TASKS.find(([pattern]) => pattern.test(architecture))?.[1];
}

/** Tasks a snapshot whose own task is `task` can run. */
export function compatibleTasks(task: TaskId): readonly TaskId[] {
  return [task, ...(ALSO_SERVES[task] ?? [])];
}
