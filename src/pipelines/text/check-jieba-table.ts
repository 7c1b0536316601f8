// Checks jieba's two table formats before @node-rs/jieba sees them. Its Rust loader unwraps what it
// parses: an IDF table that is empty, holds a non-numeric weight or is not UTF-8 panics inside the
// native addon, which aborts the whole Node process (measured: `word notanumber` and an empty file
// both end in "fatal runtime error: failed to initiate panic"). A table is accepted only in the
// shape jieba itself ships.
import { ModaError } from '../../errors/moda-error.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** A decimal number as Rust's f64 parser and JavaScript's Number() both read it; no inf/NaN. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** A frequency as Rust's usize parser reads it. */
const COUNT = /^\d{1,15}$/;

function refuse(path: string, reason: string): ModaError {
  return new ModaError('MODEL_FILE_INVALID', `${path} is not a jieba table: ${reason}`);
}

function lines(bytes: Uint8Array, path: string): string[] {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw refuse(path, 'it is not UTF-8 text');
  }
  return text.split(/\r?\n/);
}

/** A prefix dictionary: `word [frequency [tag]]` per line, as dict.txt. Returns its entry count. */
export function checkJiebaDictionary(bytes: Uint8Array, path: string): number {
  let entries = 0;
  lines(bytes, path).forEach((line, index) => {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === '') return;
    if (fields.length > 3) throw refuse(path, `line ${index + 1} has ${fields.length} fields; a dictionary line is "word frequency tag"`);
    const frequency = fields[1];
    if (frequency !== undefined && !COUNT.test(frequency)) throw refuse(path, `line ${index + 1}: the frequency ${JSON.stringify(frequency.slice(0, 40))} is not a whole number`);
    entries++;
  });
  return entries;
}

/** An IDF table: `word weight` per line, weights finite numbers, at least one entry. Returns its entry count. */
export function checkJiebaIdf(bytes: Uint8Array, path: string): number {
  let entries = 0;
  lines(bytes, path).forEach((line, index) => {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === '') return;
    if (fields.length !== 2) throw refuse(path, `line ${index + 1} has ${fields.length} field${fields.length === 1 ? '' : 's'}; an IDF line is "word weight"`);
    const weight = fields[1] ?? '';
    if (!DECIMAL.test(weight) || !Number.isFinite(Number(weight))) throw refuse(path, `line ${index + 1}: the weight ${JSON.stringify(weight.slice(0, 40))} is not a finite number`);
    entries++;
  });
  if (entries === 0) throw refuse(path, 'the IDF table holds no entries');
  return entries;
}
