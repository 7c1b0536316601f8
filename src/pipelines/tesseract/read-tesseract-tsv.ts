// Turns tesseract's TSV (one row per page, block, paragraph, line and word) into OCR lines: words
// grouped by their line, joined with spaces between Latin words and without between CJK
// characters (tesseract reports every Chinese character or run as a word of its own), the line's
// own box, and a score averaged over the characters read.
import type { Quad } from '../ocr/quad.js';

export interface TesseractLine {
  text: string;
  score: number;
  box: { xmin: number; ymin: number; xmax: number; ymax: number; polygon: Quad };
}

interface Word {
  text: string;
  confidence: number;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

interface LineGroup {
  box: { left: number; top: number; right: number; bottom: number } | undefined;
  words: Word[];
}

const LEVEL_LINE = 4;
const LEVEL_WORD = 5;
const COLUMNS = 12;

/** Scripts written without spaces between words, plus CJK and full-width punctuation. */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}\u3000-\u303f\uff00-\uffef]/u;

/** Whether a space goes between two words read next to each other on one line. */
function spaced(before: string, after: string): boolean {
  const last = [...before].at(-1) ?? '';
  const first = [...after][0] ?? '';
  return !UNSPACED.test(last) && !UNSPACED.test(first);
}

export function joinWords(words: readonly string[]): string {
  let text = '';
  for (const word of words) {
    if (text !== '' && spaced(text, word)) text += ' ';
    text += word;
  }
  return text;
}

function integer(field: string | undefined): number | undefined {
  if (field === undefined || !/^-?\d+$/.test(field)) return undefined;
  return Number(field);
}

/**
 * Lines of each page, in tesseract's reading order (its layout analysis orders blocks, so a
 * two-column page reads column by column). Rows that are not TSV data are skipped, so a warning
 * on stdout cannot derail the parse. `minScore` drops lines whose score is below it.
 */
export function readTesseractTsv(tsv: string, pageCount: number, minScore: number): TesseractLine[][] {
  const pages = Array.from({ length: pageCount }, () => new Map<string, LineGroup>());
  for (const row of tsv.split('\n')) {
    const fields = row.replace(/\r$/, '').split('\t');
    if (fields.length < COLUMNS) continue;
    const [level, page, block, paragraph, line, , left, top, width, height] = fields.slice(0, 10).map(integer);
    if (level === undefined || page === undefined || left === undefined || top === undefined || width === undefined || height === undefined) continue;
    if (level !== LEVEL_LINE && level !== LEVEL_WORD) continue;
    const lines = pages[page - 1];
    if (!lines) continue;
    const key = `${block}/${paragraph}/${line}`;
    let group = lines.get(key);
    if (!group) {
      group = { box: undefined, words: [] };
      lines.set(key, group);
    }
    const edges = { left, top, right: left + width, bottom: top + height };
    if (level === LEVEL_LINE) {
      group.box = edges;
      continue;
    }
    // The text column is the last; a word may in principle hold a tab, so rejoin the rest.
    const text = fields.slice(11).join('\t').trim();
    const confidence = Number(fields[10]);
    if (text === '' || !Number.isFinite(confidence)) continue;
    group.words.push({ text, confidence, ...edges });
  }
  return pages.map((lines) => [...lines.values()].flatMap((group) => outputLine(group, minScore)));
}

function outputLine(group: LineGroup, minScore: number): TesseractLine[] {
  const { words } = group;
  if (words.length === 0) return [];
  let characters = 0;
  let weighted = 0;
  for (const word of words) {
    const length = [...word.text].length;
    characters += length;
    weighted += length * Math.min(100, Math.max(0, word.confidence));
  }
  const score = Math.round((weighted / characters / 100) * 10000) / 10000;
  if (score < minScore) return [];
  // The line row's box is tighter than the union of words: LSTM character boxes often overreach.
  const edges = group.box ?? {
    left: Math.min(...words.map((word) => word.left)),
    top: Math.min(...words.map((word) => word.top)),
    right: Math.max(...words.map((word) => word.right)),
    bottom: Math.max(...words.map((word) => word.bottom)),
  };
  const { left: xmin, top: ymin, right: xmax, bottom: ymax } = edges;
  const polygon: Quad = [
    [xmin, ymin],
    [xmax, ymin],
    [xmax, ymax],
    [xmin, ymax],
  ];
  return [{ text: joinWords(words.map((word) => word.text)), score, box: { xmin, ymin, xmax, ymax, polygon } }];
}
