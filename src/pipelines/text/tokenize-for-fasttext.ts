// The tokens a tuned fastText classifier sees, the same at training and at serving time: NFKC,
// lower case, Unicode words (letters and digits, with inner apostrophes), and runs of Han characters
// cut into words by jieba with the dictionary the word-segmentation starter model ships
// (@node-rs/jieba's dict.txt). fastText splits on whitespace only, so the tokens are joined by spaces.
import { createRequire } from 'node:module';
import type { Jieba } from '@node-rs/jieba';

/** Recorded in configuration.json: a model trained with one tokenizer must be served with it. */
export const FASTTEXT_TOKENIZER = 'moda-words-jieba-v1';

const WORD = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*/gu;
const HAN = /\p{Script=Han}/u;
const HAN_RUN = /(\p{Script=Han}+)/u;

let jieba: Jieba | undefined;

/** Loaded on the first Chinese text only: the dictionary takes ~45 MB and ~0.5 s. */
function jiebaInstance(): Jieba {
  if (!jieba) {
    const require = createRequire(import.meta.url);
    const { Jieba: JiebaClass } = require('@node-rs/jieba') as { Jieba: typeof Jieba };
    const { dict } = require('@node-rs/jieba/dict') as { dict: Uint8Array };
    jieba = JiebaClass.withDict(dict);
  }
  return jieba;
}

/** The tokens of `text`, in order. */
export function tokenizeForFastText(text: string): string[] {
  const normalized = text.normalize('NFKC').toLowerCase();
  const tokens: string[] = [];
  for (const word of normalized.match(WORD) ?? []) {
    if (!HAN.test(word)) {
      tokens.push(word);
      continue;
    }
    // A word may mix scripts ("iphone手机"): only its Han runs go through jieba.
    for (const part of word.split(HAN_RUN)) {
      if (part === '') continue;
      if (HAN.test(part)) for (const piece of jiebaInstance().cut(part, true)) tokens.push(piece);
      else tokens.push(part);
    }
  }
  return tokens;
}

/** One fastText input line: the tokens joined by single spaces (no newline inside). */
export function fastTextLine(text: string): string {
  return tokenizeForFastText(text).join(' ');
}
