// A snapshot is one repo at one commit, materialised as a read-only directory; every engine loads
// from one. File names from configuration files are resolved only inside that directory.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ModaError } from '../errors/moda-error.js';
import { checkFilePath } from '../hub/paths.js';
import type { GgufVariant } from '../pipelines/llm/gguf-variant.js';
import { LLAMA_CPP_TYPE, resolveGgufVariant } from '../pipelines/llm/resolve-gguf-variant.js';
import { readHfConfig, readModelConfiguration, type ModelConfiguration } from './model-configuration.js';

export interface ModelSnapshot {
  /** `owner/name`. */
  repo: string;
  /** The git commit the files come from. */
  commit: string;
  dir: string;
  /** ModelScope-style `configuration.json`, when the repo has one. */
  configuration: ModelConfiguration | undefined;
  /** Hugging Face `config.json`, when the repo has one. */
  hfConfig: Record<string, unknown> | undefined;
  /** The GGUF file served, when the repo holds any (chosen by the id's `:TAG`, the card or size). */
  gguf?: GgufVariant;
  /**
   * The base model a composed pipeline runs first (a tuned head's frozen backbone), at the commit
   * configuration.json pins; attached by whoever opened the snapshot (attachBackbone).
   */
  backbone?: ModelSnapshot;
}

export async function openSnapshot(dir: string, repo: string, commit: string, tag?: string): Promise<ModelSnapshot> {
  const [configuration, hfConfig] = await Promise.all([readModelConfiguration(join(dir, 'configuration.json')), readHfConfig(join(dir, 'config.json'))]);
  // A repo whose configuration.json names another engine is not served from its .gguf files.
  const servesGguf = configuration?.pipeline?.type === undefined || configuration.pipeline.type === LLAMA_CPP_TYPE;
  const gguf = servesGguf ? await resolveGgufVariant(dir, repo, tag) : undefined;
  return { repo, commit, dir, configuration, hfConfig, ...(gguf && { gguf }) };
}

/** Absolute path of `path` inside the snapshot; rejects traversal and missing files. */
export async function snapshotFile(snapshot: ModelSnapshot, path: string, options: { maxBytes?: number } = {}): Promise<string> {
  let clean: string;
  try {
    clean = checkFilePath(path);
  } catch (error) {
    throw new ModaError('MODEL_LOAD_FAILED', `model file name "${path}" is not a plain relative path`, { cause: error });
  }
  const file = join(snapshot.dir, ...clean.split('/'));
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new ModaError('MODEL_LOAD_FAILED', `${snapshot.repo}@${snapshot.commit.slice(0, 12)} has no file ${clean}`);
  if (options.maxBytes !== undefined && info.size > options.maxBytes) {
    throw new ModaError('MODEL_LOAD_FAILED', `${clean} is ${info.size} bytes, more than the ${options.maxBytes} allowed`);
  }
  return file;
}
