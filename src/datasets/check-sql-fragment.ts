// `where` and `orderby` of the filter route are SQL fragments spliced into Moda's own SELECT. Before
// DuckDB sees them they must stay inside their clause: no `;`, no comments, no parenthesis closing
// what Moda opened, no unterminated quote. The locked engine is the second wall: even a fragment that
// got out could only read this config's own views.
import { ModaError } from '../errors/moda-error.js';

const MAX_FRAGMENT = 4096;

export function checkSqlFragment(fragment: string, name: string): string {
  if (fragment.length > MAX_FRAGMENT) throw new ModaError('DATASET_QUERY_INVALID', `${name} is longer than ${MAX_FRAGMENT} characters`);
  let depth = 0;
  for (let index = 0; index < fragment.length; index++) {
    const char = fragment[index];
    if (char === "'" || char === '"') {
      const close = fragment.indexOf(char, index + 1);
      if (close < 0) throw new ModaError('DATASET_QUERY_INVALID', `${name} has an unterminated ${char === "'" ? 'string' : 'quoted name'}`);
      // A doubled quote inside is an escaped one: the scan resumes after the closing quote either way.
      index = close;
      continue;
    }
    if (char === ';') throw new ModaError('DATASET_QUERY_NOT_ALLOWED', `${name} may not hold ';' (one clause, not statements)`);
    if ((char === '-' && fragment[index + 1] === '-') || (char === '/' && fragment[index + 1] === '*')) throw new ModaError('DATASET_QUERY_NOT_ALLOWED', `${name} may not hold comments`);
    if (char === '(') depth++;
    if (char === ')' && --depth < 0) throw new ModaError('DATASET_QUERY_NOT_ALLOWED', `${name} closes a parenthesis it did not open`);
    if (char === '\0') throw new ModaError('DATASET_QUERY_INVALID', `${name} holds a NUL character`);
  }
  if (depth !== 0) throw new ModaError('DATASET_QUERY_INVALID', `${name} leaves a parenthesis open`);
  if (fragment.trim() === '') throw new ModaError('DATASET_QUERY_INVALID', `${name} is empty`);
  return fragment;
}
