// `data_files` globs of a dataset card (fsspec style) as anchored regular expressions: `*` and `?`
// stay inside one path segment, `**` crosses them, `[abc]` is a class; everything else is literal.

export function globToRegExp(glob: string): RegExp {
  let source = '';
  const pattern = glob.replace(/^\.?\/+/, '');
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] ?? '';
    if (char === '*') {
      if (pattern[index + 1] === '*') {
        index++;
        // `**/` also matches no directory at all.
        if (pattern[index + 1] === '/') {
          index++;
          source += '(?:.*/)?';
        } else source += '.*';
      } else source += '[^/]*';
    } else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const close = pattern.indexOf(']', index + 1);
      if (close > index + 1) {
        const body = pattern.slice(index + 1, close).replace(/\\/g, '\\\\').replace(/^!/, '^');
        source += `[${body}]`;
        index = close;
      } else source += '\\[';
    } else source += char.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
