// Quoting for the SQL Moda writes itself: every identifier (a column may be named `select`) and
// every literal (paths, labels) goes through these, never through string concatenation alone.

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(text: string): string {
  if (text.includes('\0')) throw new TypeError('a SQL literal cannot hold NUL');
  return `'${text.replace(/'/g, "''")}'`;
}

export function quoteList(texts: readonly string[]): string {
  return `[${texts.map(quoteLiteral).join(', ')}]`;
}
