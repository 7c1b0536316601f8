// `moda pull --include/--exclude`: which upstream paths a filtered pull takes. The patterns are
// huggingface_hub's `allow_patterns`/`ignore_patterns` (Python fnmatch): `*` and `?` also match
// `/`, `[abc]`/`[!abc]` are classes, and a pattern ending in `/` means everything under it — so a
// command line that works with `huggingface-cli download --include` selects the same files here.
import { ModaError } from '../errors/moda-error.js';

export interface FileFilter {
  include?: readonly string[];
  exclude?: readonly string[];
}

const MAX_PATTERNS = 64;
const MAX_PATTERN_LENGTH = 512;

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** One fnmatch pattern as an anchored regular expression over a whole path. */
export function globRegExp(pattern: string): RegExp {
  if (pattern === '' || pattern.length > MAX_PATTERN_LENGTH) throw new ModaError('VALIDATION_FAILED', `a file pattern must be 1 to ${MAX_PATTERN_LENGTH} characters`);
  const glob = pattern.endsWith('/') ? `${pattern}*` : pattern;
  let source = '';
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index] as string;
    if (char === '*') {
      // Runs of stars are one star: keeps the expression linear on hostile patterns.
      while (glob[index + 1] === '*') index++;
      source += '.*';
    } else if (char === '?') source += '.';
    else if (char === '[') {
      // As fnmatch: a `]` right after `[` or `[!` is a member, not the end.
      let start = index + 1;
      if (glob[start] === '!') start++;
      if (glob[start] === ']') start++;
      const close = glob.indexOf(']', start);
      if (close === -1) {
        source += '\\[';
        continue;
      }
      let body = glob.slice(index + 1, close);
      const negated = body.startsWith('!');
      if (negated) body = body.slice(1);
      source += `[${negated ? '^' : ''}${body.replace(/[\\^[\]]/g, '\\$&')}]`;
      index = close;
    } else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, 's');
}

/** A predicate over repo paths: kept when some include matches (or none are given) and no exclude does. */
export function fileFilter(filter: FileFilter): (path: string) => boolean {
  const include = (filter.include ?? []).map(globRegExp);
  const exclude = (filter.exclude ?? []).map(globRegExp);
  if (include.length + exclude.length > MAX_PATTERNS) throw new ModaError('VALIDATION_FAILED', `at most ${MAX_PATTERNS} file patterns`);
  return (path) => (include.length === 0 || include.some((pattern) => pattern.test(path))) && !exclude.some((pattern) => pattern.test(path));
}

export function isFiltered(filter: FileFilter): boolean {
  return (filter.include?.length ?? 0) + (filter.exclude?.length ?? 0) > 0;
}
