// The recogniser's output classes from its dictionary file: the CTC blank first, then one entry
// per line of the file, then a space when the model was trained with one (PaddleOCR's CTCLabelDecode).
import { readFile } from 'node:fs/promises';
import { ModaError } from '../../errors/moda-error.js';

export async function readCharacters(file: string, useSpaceChar: boolean): Promise<string[]> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await readFile(file));
  } catch (error) {
    throw new ModaError('MODEL_LOAD_FAILED', 'the OCR dictionary is not a UTF-8 text file', { cause: error });
  }
  const entries = text.split('\n').map((line) => line.replace(/\r$/, ''));
  if (entries.at(-1) === '') entries.pop();
  if (entries.length === 0) throw new ModaError('MODEL_LOAD_FAILED', 'the OCR dictionary is empty');
  return ['', ...entries, ...(useSpaceChar ? [' '] : [])];
}
