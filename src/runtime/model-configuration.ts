// Reads what a snapshot says about how to run it: ModelScope's `configuration.json` (framework, task,
// pipeline.type, model.type, pre-processor settings) or, for Hugging Face layouts, `config.json`.
// Both are data: nothing in them names code to import or a script to execute.
import { readFile, stat } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ModaError } from '../errors/moda-error.js';

const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export const ModelConfiguration = Type.Object({
  framework: Type.String({ description: 'Engine family: onnx, tfjs, fasttext, jieba, tesseract, espeak, …' }),
  task: Type.String(),
  pipeline: Type.Optional(Type.Object({ type: Type.String() })),
  model: Type.Optional(Type.Object({ type: Type.Optional(Type.String()) }, { additionalProperties: true })),
  preprocessor: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  id2label: Type.Optional(Type.Record(Type.String(), Type.String())),
});
export type ModelConfiguration = Static<typeof ModelConfiguration> & Record<string, unknown>;

async function readJsonFile(path: string, name: string): Promise<unknown> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return undefined;
  if (!info.isFile() || info.size > MAX_CONFIG_BYTES) throw new ModaError('MODEL_LOAD_FAILED', `${name} is not a file under ${MAX_CONFIG_BYTES} bytes`);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (error) {
    throw new ModaError('MODEL_LOAD_FAILED', `${name} is not valid JSON`, { cause: error });
  }
}

/** `configuration.json` of a snapshot, validated; undefined when there is none. */
export async function readModelConfiguration(path: string): Promise<ModelConfiguration | undefined> {
  const raw = await readJsonFile(path, 'configuration.json');
  if (raw === undefined) return undefined;
  if (!Value.Check(ModelConfiguration, raw)) {
    const first = [...Value.Errors(ModelConfiguration, raw)][0];
    throw new ModaError('MODEL_LOAD_FAILED', `configuration.json: ${first ? `${first.path || '/'} ${first.message}` : 'invalid'}`);
  }
  return raw as ModelConfiguration;
}

/** Hugging Face `config.json`, as a plain object; undefined when there is none. */
export async function readHfConfig(path: string): Promise<Record<string, unknown> | undefined> {
  const raw = await readJsonFile(path, 'config.json');
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ModaError('MODEL_LOAD_FAILED', 'config.json must hold a JSON object');
  return raw as Record<string, unknown>;
}
