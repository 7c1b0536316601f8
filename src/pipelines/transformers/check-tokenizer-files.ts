// Checks a Hugging Face-layout snapshot's tokenizer files before transformers.js parses them:
// sizes first (a 188 MB tokenizer.json with 10⁷ entries kept the server busy 80 s and grew it by
// 2 GB), then entry counts, then every regex the tokenizer will run on inputs (see
// check-regex-safety.ts). Errors name files relative to the repo, never the snapshot's path.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ModaError } from '../../errors/moda-error.js';
import { regexDanger } from '../limits/check-regex-safety.js';
import type { PipelineLimits } from '../limits/pipeline-limits.js';

/** Files a transformers.js tokenizer or processor may read, by name in the repo root. */
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'vocab.json', 'vocab.txt', 'merges.txt', 'tokenizer.model', 'spiece.model', 'sentencepiece.bpe.model', 'special_tokens_map.json', 'added_tokens.json'];

async function sizeOf(path: string): Promise<number | undefined> {
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() ? info.size : undefined;
}

function countOf(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  if (value && typeof value === 'object') return Object.keys(value).length;
  return 0;
}

/** Every `{ "Regex": "…" }` pattern in the tokenizer, with where it sits. */
function regexes(value: unknown, where: string, found: { where: string; pattern: string }[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => regexes(item, `${where}[${index}]`, found));
    return;
  }
  if (!value || typeof value !== 'object') return;
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    // The vocabulary and merges are plain strings, never patterns; skip the big tables.
    if (key === 'vocab' || key === 'merges') continue;
    if (key === 'Regex' && typeof item === 'string') found.push({ where, pattern: item });
    else regexes(item, `${where}.${key}`, found);
  }
}

type TokenizerLimits = Pick<PipelineLimits, 'maxTokenizerBytes' | 'maxVocabularyEntries'>;

/** Throws MODEL_FILE_TOO_LARGE or MODEL_FILE_INVALID for tokenizer files the server will not parse. */
export async function checkTokenizerFiles(dir: string, limits: TokenizerLimits): Promise<void> {
  for (const name of TOKENIZER_FILES) {
    const size = await sizeOf(join(dir, name));
    if (size !== undefined && size > limits.maxTokenizerBytes) throw new ModaError('MODEL_FILE_TOO_LARGE', `${name} is ${size} bytes; the server reads tokenizer files up to ${limits.maxTokenizerBytes} bytes`);
  }
  const text = await readFile(join(dir, 'tokenizer.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return;
  let tokenizer: Record<string, unknown>;
  try {
    tokenizer = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new ModaError('MODEL_FILE_INVALID', 'tokenizer.json is not valid JSON');
  }
  if (!tokenizer || typeof tokenizer !== 'object') throw new ModaError('MODEL_FILE_INVALID', 'tokenizer.json does not hold a JSON object');
  const model = (tokenizer.model ?? {}) as Record<string, unknown>;
  for (const [what, table] of [['model.vocab', model.vocab], ['model.merges', model.merges], ['added_tokens', tokenizer.added_tokens]] as const) {
    const count = countOf(table);
    if (count > limits.maxVocabularyEntries) throw new ModaError('MODEL_FILE_TOO_LARGE', `tokenizer.json has ${count} entries in ${what}; the server allows at most ${limits.maxVocabularyEntries}`);
  }
  const found: { where: string; pattern: string }[] = [];
  regexes(tokenizer, 'tokenizer.json', found);
  for (const { where, pattern } of found) {
    const danger = regexDanger(pattern);
    if (danger) throw new ModaError('MODEL_FILE_INVALID', `${where} has the pattern ${JSON.stringify(pattern.slice(0, 200))}, which can take exponential time: ${danger}`);
  }
}
