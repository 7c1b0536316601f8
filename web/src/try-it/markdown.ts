// A small Markdown reader for model answers in the chat playground. Model output is untrusted, so
// it never becomes HTML: this turns text into a tree of blocks and inline nodes that the view
// renders as React elements (text is always text — `<img onerror>` shows as characters), and a
// link keeps its href only for http(s) and mailto URLs (`javascript:` and the like stay plain
// text). Covered: paragraphs with line breaks, ATX headings, fenced code (an unclosed fence, as in
// a streaming answer, runs to the end), bullet and numbered lists, inline code, bold, italics,
// links. Images are shown as links: loading them would let an answer make the browser fetch.

export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'strong'; children: Inline[] }
  | { kind: 'em'; children: Inline[] }
  | { kind: 'link'; href: string; children: Inline[] }
  | { kind: 'break' };

export type Block =
  | { kind: 'paragraph'; children: Inline[] }
  | { kind: 'heading'; level: number; children: Inline[] }
  | { kind: 'code'; language: string; text: string }
  | { kind: 'list'; ordered: boolean; start: number; items: Inline[][] };

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** The URL when it is absolute http(s) or mailto, else null (javascript:, data:, relative, malformed). */
export function safeHref(url: string): string | null {
  try {
    const parsed = new URL(url.trim());
    return SAFE_PROTOCOLS.has(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

// Inline code, images and links, bold, italics (`_x_` only at word edges, so snake_case stays).
const INLINE = /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)|(!?)\[([^\]\n]*)\]\(([^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+"[^"\n]*")?\)|\*\*(?=\S)([^*\n]*?\S)\*\*|\*(?=\S)([^*\n]*?\S)\*|(?<![\p{L}\p{N}_])_(?=\S)([^_\n]*?\S)_(?![\p{L}\p{N}_])/gu;

export function parseInline(text: string): Inline[] {
  const nodes: Inline[] = [];
  const pushText = (value: string) => {
    if (value === '') return;
    const last = nodes.at(-1);
    if (last?.kind === 'text') last.text += value;
    else nodes.push({ kind: 'text', text: value });
  };
  let at = 0;
  for (const match of text.matchAll(INLINE)) {
    const index = match.index;
    pushText(text.slice(at, index));
    at = index + match[0].length;
    const [whole, , code, bang, label, url, strong, em, underscored] = match;
    if (code !== undefined) nodes.push({ kind: 'code', text: code.length > 2 && code.startsWith(' ') && code.endsWith(' ') ? code.slice(1, -1) : code });
    else if (label !== undefined && url !== undefined) {
      const href = safeHref(url);
      if (href === null) pushText(whole);
      else nodes.push({ kind: 'link', href, children: bang ? [{ kind: 'text', text: label || href }] : parseInline(label) });
    } else if (strong !== undefined) nodes.push({ kind: 'strong', children: parseInline(strong) });
    else nodes.push({ kind: 'em', children: parseInline(em ?? underscored ?? '') });
  }
  pushText(text.slice(at));
  return nodes;
}

/** Lines of a paragraph joined by line breaks: chat answers mean their single newlines. */
function paragraph(lines: string[]): Block {
  const children: Inline[] = [];
  lines.forEach((line, index) => {
    if (index > 0) children.push({ kind: 'break' });
    children.push(...parseInline(line));
  });
  return { kind: 'paragraph', children };
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+\s*)?$/;
const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;

export function parseMarkdown(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let pending: string[] = [];
  const flush = () => {
    if (pending.length > 0) blocks.push(paragraph(pending));
    pending = [];
  };
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const marker = fence[1] as string;
      const body: string[] = [];
      index++;
      while (index < lines.length && !(lines[index] as string).trimStart().startsWith(marker)) body.push(lines[index++] as string);
      blocks.push({ kind: 'code', language: fence[2] ?? '', text: body.join('\n') });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flush();
      blocks.push({ kind: 'heading', level: (heading[1] as string).length, children: parseInline(heading[2] as string) });
      continue;
    }
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    if (bullet || numbered) {
      flush();
      const ordered = numbered !== null;
      const last = blocks.at(-1);
      const item = parseInline((bullet ? bullet[1] : numbered?.[2]) ?? '');
      // A list continues across consecutive items of its kind.
      if (last?.kind === 'list' && last.ordered === ordered && index > 0 && (lines[index - 1] as string).trim() !== '') last.items.push(item);
      else blocks.push({ kind: 'list', ordered, start: numbered ? Number(numbered[1]) : 1, items: [item] });
      continue;
    }
    if (line.trim() === '') flush();
    else pending.push(line);
  }
  flush();
  return blocks;
}
