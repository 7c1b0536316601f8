// The `.gitattributes` a new repo starts with, and the test of whether a path is meant for LFS.
// Patterns are matched the way git does (wildmatch.c with attr.c's rules), by a state-set
// simulation whose cost is at most (pattern length × path length) per pattern: a translation into
// backtracking regular expressions took seconds to hours on `*a*a*a*a*b` against a long path
// (issue 18, High 3). The number and length of patterns are capped for the same reason.
import { ModaError } from '../errors/moda-error.js';

const LFS_PATTERNS = [
  '*.7z', '*.arrow', '*.bin', '*.bz2', '*.ckpt', '*.ftz', '*.gguf', '*.gz', '*.h5', '*.joblib', '*.lfs.*',
  '*.mlmodel', '*.model', '*.msgpack', '*.npy', '*.npz', '*.onnx', '*.onnx_data', '*.ot', '*.parquet', '*.pb',
  '*.pickle', '*.pkl', '*.pt', '*.pth', '*.rar', '*.safetensors', 'saved_model/**/*', '*.tar.*', '*.tar',
  '*.tflite', '*.tgz', '*.wasm', '*.xz', '*.zip', '*.zst', '*tfevents*', '*.traineddata',
  '*.png', '*.jpg', '*.jpeg', '*.webp', '*.wav', '*.mp3', '*.flac',
];

export const DEFAULT_GITATTRIBUTES = LFS_PATTERNS.map((pattern) => `${pattern} filter=lfs diff=lfs merge=lfs -text`).join('\n') + '\n';

/** Lines that set or unset `filter`; the Hugging Face default has 35, Moda's 45. */
export const MAX_GITATTRIBUTES_PATTERNS = 1000;
/** Characters per pattern (git has no limit; real ones are a few dozen). */
export const MAX_GITATTRIBUTES_PATTERN_LENGTH = 256;

type Token =
  | { kind: 'char'; char: string }
  /** `?` */
  | { kind: 'one' }
  | { kind: 'class'; negated: boolean; test: (char: string) => boolean }
  /** `*`: any run of characters but `/` (in basename patterns there is no `/` to cross). */
  | { kind: 'star' }
  /** `**` between slashes: any run of characters; `skip`: a leading or inner double star and its slash may match nothing. */
  | { kind: 'globstar'; skip: boolean };

/** One `.gitattributes` line that decides the `filter` attribute of the paths it matches. */
export interface LfsRule {
  /** Matched against the base name (no `/` in the pattern) or else against the whole path. */
  basename: boolean;
  /** undefined: the pattern can never match (git aborts on an unclosed `[`). */
  tokens: Token[] | undefined;
  /** Whether a match turns LFS on (`filter=lfs`) or off (`-filter`, `!filter`, another filter). */
  lfs: boolean;
}

/**
 * The rules of a .gitattributes file that decide whether a path goes through LFS, in file order
 * (the last matching line wins, as in git). Throws GITATTRIBUTES_TOO_COMPLEX past the caps.
 */
export function lfsPatterns(gitattributes: string): LfsRule[] {
  const rules: LfsRule[] = [];
  for (const line of gitattributes.split('\n')) {
    const [pattern, ...attributes] = line.trim().split(/\s+/);
    if (!pattern || pattern.startsWith('#') || pattern.startsWith('[attr]') || pattern.startsWith('!')) continue;
    let lfs: boolean | undefined;
    for (const attribute of attributes) {
      if (attribute === 'filter' || attribute === '-filter' || attribute === '!filter') lfs = false;
      else if (attribute.startsWith('filter=')) lfs = attribute === 'filter=lfs';
    }
    if (lfs === undefined) continue;
    if (pattern.length > MAX_GITATTRIBUTES_PATTERN_LENGTH) {
      throw new ModaError('GITATTRIBUTES_TOO_COMPLEX', `.gitattributes pattern "${pattern.slice(0, 40)}…" is longer than ${MAX_GITATTRIBUTES_PATTERN_LENGTH} characters`);
    }
    if (rules.length >= MAX_GITATTRIBUTES_PATTERNS) {
      throw new ModaError('GITATTRIBUTES_TOO_COMPLEX', `.gitattributes has more than ${MAX_GITATTRIBUTES_PATTERNS} lines that set the filter attribute`);
    }
    // A trailing slash matches directories only, never a file.
    if (pattern.endsWith('/')) continue;
    const basename = !pattern.includes('/');
    rules.push({ basename, tokens: compile(bytes(basename ? pattern : pattern.replace(/^\//, '')), !basename), lfs });
  }
  return rules;
}

/** Whether `path` goes through LFS: the last rule that matches it decides. */
export function matchesAny(path: string, rules: LfsRule[]): boolean {
  for (let index = rules.length - 1; index >= 0; index--) {
    const rule = rules[index] as LfsRule;
    const subject = bytes(rule.basename ? path.slice(path.lastIndexOf('/') + 1) : path);
    if (rule.tokens && simulate(rule.tokens, subject)) return rule.lfs;
  }
  return false;
}

/** git matches bytes: `?` is one byte of UTF-8, so both sides are compared as Latin-1 strings of their bytes. */
function bytes(text: string): string {
  return /^[\0-\x7f]*$/.test(text) ? text : Buffer.from(text, 'utf8').toString('latin1');
}

/** Tokenises a wildmatch pattern; `pathname` is git's WM_PATHNAME (`*`, `?`, `[…]` never match `/`). */
function compile(pattern: string, pathname: boolean): Token[] | undefined {
  const tokens: Token[] = [];
  // git (dir.c, match_pathname) compares the part before the first wildcard as plain text and
  // wildmatches only the rest, so a double star right after that part counts as the start of a
  // pattern: `a**` matches `a/b/c`, and `a**` then `/b` matches `ab`.
  const literalPrefix = pathname ? pattern.search(/[*?[\\]/) : -1;
  let index = 0;
  while (index < pattern.length) {
    const char = pattern[index] as string;
    if (char === '\\') {
      // A trailing backslash matches nothing, as in wildmatch.
      if (index + 1 >= pattern.length) return undefined;
      tokens.push({ kind: 'char', char: pattern[index + 1] as string });
      index += 2;
    } else if (char === '?') {
      tokens.push({ kind: 'one' });
      index++;
    } else if (char === '*') {
      let end = index;
      while (pattern[end] === '*') end++;
      const double = end - index >= 2;
      const boundedBefore = index === 0 || index === literalPrefix || pattern[index - 1] === '/';
      const boundedAfter = end === pattern.length || pattern[end] === '/';
      if (pathname && double && boundedBefore && boundedAfter) {
        // `**/x` also matches `x`: the globstar and its slash may match nothing together.
        const slash = pattern[end] === '/';
        tokens.push({ kind: 'globstar', skip: slash });
        if (slash) {
          tokens.push({ kind: 'char', char: '/' });
          end++;
        }
      } else if (tokens.at(-1)?.kind !== 'star') {
        tokens.push({ kind: 'star' });
      }
      index = end;
    } else if (char === '[') {
      const parsed = parseClass(pattern, index);
      if (!parsed) return undefined;
      tokens.push(parsed.token);
      index = parsed.end;
    } else {
      tokens.push({ kind: 'char', char });
      index++;
    }
  }
  return tokens;
}

const CLASSES: Record<string, (char: string) => boolean> = {
  alnum: (c) => /[A-Za-z0-9]/.test(c),
  alpha: (c) => /[A-Za-z]/.test(c),
  blank: (c) => c === ' ' || c === '\t',
  cntrl: (c) => /[\0-\x1f\x7f]/.test(c),
  digit: (c) => /[0-9]/.test(c),
  graph: (c) => /[!-~]/.test(c),
  lower: (c) => /[a-z]/.test(c),
  print: (c) => /[ -~]/.test(c),
  punct: (c) => /[!-/:-@[-`{-~]/.test(c),
  space: (c) => /[ \t\n\r\f\v]/.test(c),
  upper: (c) => /[A-Z]/.test(c),
  xdigit: (c) => /[0-9A-Fa-f]/.test(c),
};

/** `[…]` at `start`, as wildmatch reads it; undefined when it is never closed (no match at all). */
function parseClass(pattern: string, start: number): { token: Token; end: number } | undefined {
  let index = start + 1;
  const negated = pattern[index] === '!' || pattern[index] === '^';
  if (negated) index++;
  const tests: ((char: string) => boolean)[] = [];
  let previous: string | undefined;
  let first = true;
  while (index < pattern.length) {
    let char = pattern[index] as string;
    if (char === ']' && !first) {
      return { token: { kind: 'class', negated, test: (c) => tests.some((test) => test(c)) }, end: index + 1 };
    }
    first = false;
    if (char === '\\') {
      index++;
      if (index >= pattern.length) return undefined;
      char = pattern[index] as string;
      tests.push((c) => c === char);
      previous = char;
      index++;
    } else if (char === '-' && previous !== undefined && pattern[index + 1] !== undefined && pattern[index + 1] !== ']') {
      let high = pattern[index + 1] as string;
      index += 2;
      if (high === '\\') {
        if (index >= pattern.length) return undefined;
        high = pattern[index] as string;
        index++;
      }
      const low = previous;
      tests.push((c) => c >= low && c <= high);
      previous = undefined;
    } else if (char === '[' && pattern[index + 1] === ':') {
      // wildmatch looks for the first `]` and wants `:` right before it.
      const bracket = pattern.indexOf(']', index + 2);
      if (bracket < 0) return undefined;
      const close = bracket - 1;
      if (close < index + 2 || pattern[close] !== ':') {
        // Not a class name: a literal `[` (wildmatch then reads on).
        tests.push((c) => c === '[');
        previous = '[';
        index++;
        continue;
      }
      const test = CLASSES[pattern.slice(index + 2, close)];
      // An unknown class name makes the whole pattern fail to match, as in wildmatch.
      if (!test) return undefined;
      tests.push(test);
      previous = undefined;
      index = close + 2;
    } else {
      tests.push((c) => c === char);
      previous = char;
      index++;
    }
  }
  return undefined;
}

/** A position reached by a move into it (a globstar there has matched nothing yet). */
const ENTERED = 1;
/** A globstar position kept by matching one more character. */
const LOOPING = 2;

function mark(states: Uint8Array, index: number, how: number): void {
  states[index] = (states[index] ?? 0) | how;
}

/**
 * Thompson-style simulation: the set of pattern positions reachable after each character. A
 * globstar may skip its slash only while it has matched nothing (the pattern "double star, slash, a"
 * matches `a`, not `aa`), so its positions remember whether they were entered or kept.
 */
function simulate(tokens: Token[], text: string): boolean {
  const size = tokens.length + 1;
  let current = new Uint8Array(size);
  let next = new Uint8Array(size);
  const close = (states: Uint8Array) => {
    // Epsilon moves only go forward, so one pass in order closes the set.
    for (let index = 0; index < tokens.length; index++) {
      const state = states[index] as number;
      if (!state) continue;
      const token = tokens[index] as Token;
      if (token.kind === 'star' || token.kind === 'globstar') mark(states, index + 1, ENTERED);
      if (token.kind === 'globstar' && token.skip && state & ENTERED) mark(states, index + 2, ENTERED);
    }
  };
  current[0] = ENTERED;
  close(current);
  for (const char of text) {
    next.fill(0);
    let alive = false;
    for (let index = 0; index < tokens.length; index++) {
      if (!current[index]) continue;
      const token = tokens[index] as Token;
      const slash = char === '/';
      let advance = false;
      switch (token.kind) {
        case 'char':
          advance = token.char === char;
          break;
        case 'one':
          advance = !slash;
          break;
        case 'class':
          advance = !slash && token.test(char) !== token.negated;
          break;
        case 'star':
          if (!slash) {
            mark(next, index, ENTERED);
            alive = true;
          }
          break;
        case 'globstar':
          mark(next, index, LOOPING);
          alive = true;
          break;
      }
      if (advance) {
        mark(next, index + 1, ENTERED);
        alive = true;
      }
    }
    if (!alive) return false;
    close(next);
    [current, next] = [next, current];
  }
  return current[tokens.length] !== 0;
}
