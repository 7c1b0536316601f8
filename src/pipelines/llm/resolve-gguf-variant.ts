// Finds the GGUF file a snapshot serves (by tag, card default or size) and checks its metadata,
// before any model process starts: a repo with .gguf files needs no configuration.json, like the
// Hugging Face Hub's GGUF repos.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ModaError } from '../../errors/moda-error.js';
import { ggufShape } from './gguf-shape.js';
import { chooseGgufFile, quantOf, type GgufFile, type GgufVariant } from './gguf-variant.js';
import { readGgufMetadata } from './read-gguf-metadata.js';

const MAX_CARD_BYTES = 1024 * 1024;
/** The `pipeline.type` of GGUF models (chosen by the files, no configuration.json needed). */
export const LLAMA_CPP_TYPE = 'llama.cpp';

async function listGgufFiles(dir: string): Promise<GgufFile[]> {
  const files: GgufFile[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.toLowerCase().endsWith('.gguf')) continue;
    const absolute = join(entry.parentPath, entry.name);
    files.push({ path: relative(dir, absolute).split(sep).join('/'), size: (await stat(absolute)).size });
  }
  return files;
}

/** `default_quant:` in the model card's front matter, if any. */
async function cardDefault(dir: string): Promise<string | undefined> {
  const card = join(dir, 'README.md');
  const info = await stat(card).catch(() => undefined);
  if (!info?.isFile() || info.size > MAX_CARD_BYTES) return undefined;
  const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(await readFile(card, 'utf8'))?.[1];
  return front ? /^default_quant:\s*["']?([A-Za-z0-9_.-]+)["']?\s*$/m.exec(front)?.[1] : undefined;
}

/** The variant a snapshot directory serves; undefined when it holds no .gguf file and no tag was asked for. */
export async function resolveGgufVariant(dir: string, repo: string, tag: string | undefined): Promise<GgufVariant | undefined> {
  const files = await listGgufFiles(dir);
  if (files.length === 0) {
    if (tag !== undefined) throw new ModaError('MODEL_VARIANT_NOT_FOUND', `${repo} holds no GGUF files, so it has no ${tag} variant`, { details: { param: 'model' } });
    return undefined;
  }
  const file = chooseGgufFile(repo, files, tag, await cardDefault(dir));
  const shape = ggufShape(await readGgufMetadata(join(dir, ...file.path.split('/')), file.path), file.path);
  return { file: file.path, quant: quantOf(file.path), bytes: file.size, shape };
}
