// Which GGUF file of a repo serves a request: `owner/name:Q4_K_M` names a quantisation (the tag
// form Ollama and llama.cpp use for `hf.co/{repo}:{quant}`); without a tag, the one the model card
// names (`default_quant:` in its front matter), else the smallest Q4, else the smallest file.
import { ModaError } from '../../errors/moda-error.js';
import type { GgufShape } from './gguf-shape.js';

export interface GgufVariant {
  /** Path of the file inside the snapshot. */
  file: string;
  /** Its quantisation tag (Q4_K_M, Q8_0, F16, …), or the file's name without `.gguf` when it names none. */
  quant: string;
  bytes: number;
  shape: GgufShape;
}

export interface GgufFile {
  path: string;
  size: number;
}

const TAG = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const QUANT = /(?:^|[-_.])((?:I?Q[1-8](?:_[A-Z0-9]+)*)|BF16|F16|F32|FP16|FP32)$/i;
/** Split files (`-00001-of-00003.gguf`) and multimodal projectors are not models of their own. */
const NOT_A_MODEL = /(-\d{5}-of-\d{5}\.gguf$)|(^|\/)mmproj[^/]*$/i;

/** `owner/name:Q4_K_M` → the repo id and the tag; ids without a tag pass through. */
export function splitModelTag(id: string): { repoId: string; tag?: string } {
  const at = id.lastIndexOf(':');
  if (at < 0) return { repoId: id };
  const tag = id.slice(at + 1);
  if (!TAG.test(tag)) throw new ModaError('VALIDATION_FAILED', `"${tag}" is not a quantisation tag (e.g. Q4_K_M); a model id is owner/name or owner/name:TAG`, { details: { param: 'model' } });
  return { repoId: id.slice(0, at), tag };
}

/** The quantisation a GGUF file's name carries (upper case), or its name without `.gguf`. */
export function quantOf(path: string): string {
  const stem = (path.split('/').pop() ?? path).replace(/\.gguf$/i, '');
  return QUANT.exec(stem)?.[1]?.toUpperCase() ?? stem;
}

/** The GGUF files of a snapshot that are whole models. */
export function modelFiles(files: readonly GgufFile[]): GgufFile[] {
  return files.filter((file) => /\.gguf$/i.test(file.path) && !NOT_A_MODEL.test(file.path));
}

/** The file a tag (or no tag) names among a repo's GGUF files; MODEL_VARIANT_NOT_FOUND lists the tags there are. */
export function chooseGgufFile(repo: string, files: readonly GgufFile[], tag: string | undefined, cardDefault: string | undefined): GgufFile {
  const models = modelFiles(files).sort((a, b) => a.size - b.size || a.path.localeCompare(b.path));
  if (models.length === 0) throw new ModaError('MODEL_NOT_RUNNABLE', `${repo} holds no whole GGUF model (split files and mmproj projectors are not served)`);
  const byTag = (wanted: string) => models.find((file) => quantOf(file.path) === wanted.toUpperCase() || quantOf(file.path) === wanted || file.path === wanted || file.path.split('/').pop() === `${wanted}.gguf`);
  if (tag !== undefined) {
    const found = byTag(tag);
    if (!found) throw new ModaError('MODEL_VARIANT_NOT_FOUND', `${repo} has no ${tag} file; its tags: ${models.map((file) => quantOf(file.path)).join(', ')}`, { details: { param: 'model' } });
    return found;
  }
  const named = cardDefault === undefined ? undefined : byTag(cardDefault);
  return named ?? models.find((file) => quantOf(file.path).startsWith('Q4')) ?? (models[0] as GgufFile);
}
