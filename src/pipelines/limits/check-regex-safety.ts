// Refuses regular expressions that can backtrack exponentially before a tokenizer compiles them.
// A tokenizer's pre-tokenizer and normalizer patterns are model data run on every input; with
// `(a+)+$`, 31 characters took 19 s, doubling per character. The check is conservative and
// structural: a repeated group (*, +, {n,} or {n,m} with m > 1) may hold neither another repeated
// element (star height 2) nor an alternation (`(a|aa)+`), which are the two shapes behind
// exponential backtracking. Real tokenizer patterns (GPT-2, Llama 3, Qwen 2, BERT) have neither.

/** Why `pattern` is refused, or undefined when it passes. */
export function regexDanger(pattern: string): string | undefined {
  interface Group {
    /** A repeated element or an alternation sits directly or deeper inside. */
    repeats: boolean;
    alternates: boolean;
  }
  const stack: Group[] = [{ repeats: false, alternates: false }];
  // What the last atom was, so a following quantifier knows what it repeats.
  let last: { group?: Group } | undefined;
  let index = 0;
  const readQuantifier = (): boolean | undefined => {
    const char = pattern[index];
    let repeats: boolean | undefined;
    if (char === '*' || char === '+') {
      repeats = true;
      index++;
    } else if (char === '?') {
      repeats = false;
      index++;
    } else if (char === '{') {
      const match = /^\{(\d*)(,(\d*))?\}/.exec(pattern.slice(index));
      if (!match) return undefined;
      const low = Number(match[1] || 0);
      const high = match[2] === undefined ? low : match[3] === '' || match[3] === undefined ? Infinity : Number(match[3]);
      repeats = high > 1;
      index += match[0].length;
    } else {
      return undefined;
    }
    if (pattern[index] === '?' || pattern[index] === '+') index++;
    return repeats;
  };
  while (index < pattern.length) {
    const char = pattern[index] ?? '';
    const top = stack[stack.length - 1] as Group;
    if (char === '\\') {
      // \p{…}, \u{…}, \x.., \k<…> and single-character escapes are one atom.
      const brace = /^\\[pPu]\{[^}]*\}|^\\k<[^>]*>|^\\x[0-9a-fA-F]{2}|^\\u[0-9a-fA-F]{4}|^\\c[A-Za-z]|^\\[\s\S]/.exec(pattern.slice(index));
      index += brace ? brace[0].length : 1;
      last = {};
    } else if (char === '[') {
      index++;
      if (pattern[index] === '^') index++;
      if (pattern[index] === ']') index++;
      while (index < pattern.length && pattern[index] !== ']') index += pattern[index] === '\\' ? 2 : 1;
      index++;
      last = {};
    } else if (char === '(') {
      index++;
      const prefix = /^\?(:|=|!|<=|<!|<[A-Za-z_][\w]*>|[a-zA-Z-]+:)/.exec(pattern.slice(index));
      if (prefix) index += prefix[0].length;
      stack.push({ repeats: false, alternates: false });
      last = undefined;
    } else if (char === ')') {
      index++;
      if (stack.length === 1) return 'it has an unbalanced ")"';
      const closed = stack.pop() as Group;
      last = { group: closed };
      const parent = stack[stack.length - 1] as Group;
      parent.repeats ||= closed.repeats;
      parent.alternates ||= closed.alternates;
    } else if (char === '|') {
      index++;
      top.alternates = true;
      last = undefined;
    } else {
      const start = index;
      const repeats = readQuantifier();
      if (repeats === undefined) {
        index++;
        last = {};
        continue;
      }
      if (!last) {
        if (start === 0 || pattern[start - 1] !== ')') return `it has a quantifier with nothing to repeat at ${start}`;
      }
      if (repeats && last?.group) {
        if (last.group.repeats) return 'it repeats a group that holds a repeated element (nested quantifiers, as in (a+)+)';
        if (last.group.alternates) return 'it repeats a group that holds alternatives (as in (a|aa)+)';
      }
      if (repeats) top.repeats = true;
      last = undefined;
    }
  }
  if (stack.length !== 1) return 'it has an unbalanced "("';
  return undefined;
}
