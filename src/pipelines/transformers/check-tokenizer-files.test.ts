// Tokenizer files past the size or entry caps, or with a backtracking pattern anywhere a tokenizer
// runs one, are refused before transformers.js parses them; ordinary tokenizers pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isModaError } from '../../errors/moda-error.js';
import { DEFAULT_PIPELINE_LIMITS } from '../limits/pipeline-limits.js';
import { checkTokenizerFiles } from './check-tokenizer-files.js';

async function withTokenizer(files: Record<string, string>, check: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'moda-tokenizer-'));
  try {
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    await check(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const tokenizer = (vocabSize: number, preTokenizer: unknown = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true }) =>
  JSON.stringify({ version: '1.0', added_tokens: [], normalizer: null, pre_tokenizer: preTokenizer, model: { type: 'BPE', vocab: Object.fromEntries(Array.from({ length: vocabSize }, (_, id) => [`t${id}`, id])), merges: [] } });

async function refused(dir: string, limits: typeof DEFAULT_PIPELINE_LIMITS, code: string, reason: RegExp): Promise<void> {
  await assert.rejects(checkTokenizerFiles(dir, limits), (error: unknown) => isModaError(error) && error.code === code && reason.test(error.message) && !error.message.includes(dir));
}

void test('an ordinary tokenizer passes', async () => {
  await withTokenizer({ 'tokenizer.json': tokenizer(50), 'tokenizer_config.json': '{}' }, (dir) => checkTokenizerFiles(dir, DEFAULT_PIPELINE_LIMITS));
});

void test('a tokenizer file past the byte cap is refused before it is parsed', async () => {
  await withTokenizer({ 'tokenizer.json': tokenizer(2000) }, (dir) => refused(dir, { ...DEFAULT_PIPELINE_LIMITS, maxTokenizerBytes: 10_000 }, 'MODEL_FILE_TOO_LARGE', /^tokenizer\.json is \d+ bytes; the server reads tokenizer files up to 10000 bytes$/));
  await withTokenizer({ 'vocab.txt': 'x\n'.repeat(20_000) }, (dir) => refused(dir, { ...DEFAULT_PIPELINE_LIMITS, maxTokenizerBytes: 10_000 }, 'MODEL_FILE_TOO_LARGE', /^vocab\.txt is 40000 bytes/));
});

void test('a vocabulary past the entry cap is refused', async () => {
  await withTokenizer({ 'tokenizer.json': tokenizer(1001) }, (dir) => refused(dir, { ...DEFAULT_PIPELINE_LIMITS, maxVocabularyEntries: 1000 }, 'MODEL_FILE_TOO_LARGE', /1001 entries in model\.vocab; the server allows at most 1000/));
});

void test('a backtracking pattern in a pre-tokenizer or normalizer is refused; bad JSON is MODEL_FILE_INVALID', async () => {
  const split = { type: 'Split', pattern: { Regex: '(\\w+\\s?)*$' }, behavior: 'Isolated', invert: false };
  await withTokenizer({ 'tokenizer.json': tokenizer(5, { type: 'Sequence', pretokenizers: [split] }) }, (dir) => refused(dir, DEFAULT_PIPELINE_LIMITS, 'MODEL_FILE_INVALID', /pre_tokenizer\.pretokenizers\[0\]\.pattern has the pattern/));
  const normalizer = JSON.stringify({ ...JSON.parse(tokenizer(5)), normalizer: { type: 'Replace', pattern: { Regex: '(a|aa)+' }, content: '' } });
  await withTokenizer({ 'tokenizer.json': normalizer }, (dir) => refused(dir, DEFAULT_PIPELINE_LIMITS, 'MODEL_FILE_INVALID', /normalizer\.pattern .*alternatives/));
  await withTokenizer({ 'tokenizer.json': '{"model":' }, (dir) => refused(dir, DEFAULT_PIPELINE_LIMITS, 'MODEL_FILE_INVALID', /not valid JSON/));
});
