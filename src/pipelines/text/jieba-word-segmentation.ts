// Chinese word segmentation with jieba (@node-rs/jieba, the Rust port): a prefix dictionary with
// word frequencies and parts of speech, an HMM for words it lacks, and TF-IDF keywords from an IDF
// table. Both tables are files of the repo, read with Jieba.withDict / TfIdf.withDict.
import { readFile } from 'node:fs/promises';
import { Jieba, TfIdf } from '@node-rs/jieba';
import { ModaError } from '../../errors/moda-error.js';
import { timeEngineSync } from '../../runtime/engine-time.js';
import { snapshotFile, type ModelSnapshot } from '../../runtime/model-snapshot.js';
import type { PipelineImplementation } from '../pipeline-implementation.js';
import { checkJiebaDictionary, checkJiebaIdf } from './check-jieba-table.js';
import { configurationSettings } from './configuration-settings.js';

const MAX_TABLE_BYTES = 256 * 1024 * 1024;
/** Resident bytes per file byte, measured: the 5.1 MB dict.txt takes 45 MB, the 6.2 MB idf.txt 28 MB. */
const DICTIONARY_MEMORY_FACTOR = 9;
const IDF_MEMORY_FACTOR = 4.5;

interface Token {
  word: string;
  start: number;
  end: number;
  tag?: string;
}

async function loadTable<T>(snapshot: ModelSnapshot, path: string, what: string, check: (bytes: Buffer, path: string) => number, build: (bytes: Buffer) => T): Promise<{ table: T; bytes: number }> {
  const bytes = await readFile(await snapshotFile(snapshot, path, { maxBytes: MAX_TABLE_BYTES }));
  // The native loader aborts the process on some malformed tables, so nothing unchecked reaches it.
  check(bytes, path);
  try {
    return { table: build(bytes), bytes: bytes.length };
  } catch (error) {
    throw new ModaError('MODEL_LOAD_FAILED', `${path} is not a jieba ${what}: ${(error as Error).message}`, { cause: error });
  }
}

/** Offsets of words that, in order, make up `text`; a word that does not follow on is searched for. */
function placeWords(text: string, words: readonly { word: string; tag: string }[], withTags: boolean): Token[] {
  const tokens: Token[] = [];
  let cursor = 0;
  for (const { word, tag } of words) {
    let start = text.startsWith(word, cursor) ? cursor : text.indexOf(word, cursor);
    if (start < 0) start = cursor;
    const end = start + word.length;
    cursor = end;
    // Spaces and line breaks separate words; they are not words.
    if (word.trim() === '') continue;
    tokens.push(withTags ? { word, start, end, tag } : { word, start, end });
  }
  return tokens;
}

/**
 * Search mode adds the dictionary words inside each long word just before it (清华, 华大, 大学,
 * 清华大学): every emitted word either is the next whole word or lies inside it.
 */
function placeSearchWords(wholeWords: readonly Token[], searchWords: readonly string[], tagOf: (word: string) => string, withTags: boolean): Token[] {
  const tokens: Token[] = [];
  let next = 0;
  for (const word of searchWords) {
    if (word.trim() === '') continue;
    const whole = wholeWords[next];
    if (!whole) break;
    if (word === whole.word) {
      tokens.push(whole);
      next++;
      continue;
    }
    const inner = whole.word.indexOf(word);
    if (inner < 0) continue;
    const start = whole.start + inner;
    tokens.push(withTags ? { word, start, end: start + word.length, tag: tagOf(word) } : { word, start, end: start + word.length });
  }
  return tokens;
}

export const jiebaWordSegmentationPipeline: PipelineImplementation = {
  type: 'jieba-word-segmentation',
  tasks: ['word-segmentation'],
  engine: 'jieba',
  async load(snapshot, options) {
    const settings = configurationSettings(snapshot.configuration?.model, 'configuration.json model');
    const mode = settings.string('mode', 'default', /^(default|search)$/);
    const hmm = settings.boolean('hmm', true);
    const maxCharacters = settings.number('max_characters', 100_000, { min: 1, max: 10_000_000, integer: true });
    const dictionaryPath = settings.string('dictionary', 'dict.txt');
    const idfPath = settings.raw('idf') === undefined ? undefined : settings.string('idf', '');
    const dictionary = await loadTable(snapshot, dictionaryPath, 'dictionary', checkJiebaDictionary, (bytes) => Jieba.withDict(bytes));
    const idf = idfPath ? await loadTable(snapshot, idfPath, 'IDF table', checkJiebaIdf, (bytes) => TfIdf.withDict(bytes)) : undefined;
    const jieba = dictionary.table;
    const tfIdf = idf?.table;
    const tagOf = (word: string) => jieba.tag(word, false)[0]?.tag ?? 'x';

    return {
      task: options.task,
      type: jiebaWordSegmentationPipeline.type,
      engine: 'jieba',
      memoryBytes: Math.round(dictionary.bytes * DICTIONARY_MEMORY_FACTOR + (idf?.bytes ?? 0) * IDF_MEMORY_FACTOR),
      async run(inputs, parameters) {
        const withTags = parameters.pos === true;
        // `mode` and `hmm` are configuration settings; a direct caller may override them.
        const searchMode = typeof parameters.mode === 'string' ? parameters.mode === 'search' : mode === 'search';
        const useHmm = typeof parameters.hmm === 'boolean' ? parameters.hmm : hmm;
        const keywordCount = typeof parameters.keywords === 'number' ? parameters.keywords : 0;
        if (keywordCount > 0 && !tfIdf) throw new ModaError('TASK_INPUT_INVALID', `${snapshot.repo} has no IDF table, so it cannot extract keywords`);
        return inputs.map((input) => {
          if (typeof input !== 'string') throw new ModaError('TASK_INPUT_INVALID', 'word segmentation takes a text');
          if (input.length > maxCharacters) throw new ModaError('INPUT_TOO_LONG', `the text has ${input.length} characters, more than the ${maxCharacters} allowed`);
          const whole = placeWords(input, timeEngineSync(() => jieba.tag(input, useHmm)), withTags);
          const tokens = searchMode ? placeSearchWords(whole, timeEngineSync(() => jieba.cutForSearch(input, useHmm)), tagOf, withTags) : whole;
          if (keywordCount === 0 || !tfIdf) return { tokens };
          const keywords = timeEngineSync(() => tfIdf.extractKeywords(jieba, input, keywordCount)).map((keyword) => ({ word: keyword.keyword, weight: keyword.weight }));
          return { tokens, keywords };
        });
      },
      dispose: async () => undefined,
    };
  },
};
