// The chat playground's Markdown reader (web/src/try-it/markdown.ts): model output is untrusted,
// so raw HTML stays text, only http(s)/mailto links keep an href, and the Markdown a chat model
// writes (code fences, also unclosed while streaming; lists; emphasis; inline code) is recognised.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseInline, parseMarkdown, safeHref, type Inline } from '../web/src/try-it/markdown.js';

function links(nodes: Inline[]): string[] {
  return nodes.flatMap((node) => (node.kind === 'link' ? [node.href, ...links(node.children)] : 'children' in node ? links(node.children) : []));
}

void test('hostile output: HTML is text, dangerous link schemes are not links', () => {
  const hostile = '<img src=x onerror=alert(1)> [click](javascript:alert(2)) [x](JaVaScRiPt:alert(3)) [d](data:text/html,<script>alert(4)</script>) [v](vbscript:x) [rel](/admin) ![pic](javascript:alert(5))';
  const blocks = parseMarkdown(hostile);
  assert.equal(blocks.length, 1);
  const paragraph = blocks[0];
  assert.equal(paragraph?.kind, 'paragraph');
  if (paragraph?.kind !== 'paragraph') return;
  assert.deepEqual(links(paragraph.children), []);
  assert.deepEqual(paragraph.children, [{ kind: 'text', text: hostile }], 'all of it stays one text node, shown as typed');
  for (const url of ['javascript:alert(1)', ' javascript:x', 'java\tscript:x', 'data:text/html,x', 'vbscript:x', 'file:///etc/passwd', '/relative', '//host/x', '']) assert.equal(safeHref(url), null, url);
  assert.equal(safeHref('https://127.0.0.1/a b'), 'https://127.0.0.1/a%20b');
  assert.equal(safeHref('mailto:a@127.0.0.1'), 'mailto:a@127.0.0.1');
});

void test('links, images as links, emphasis, inline code and snake_case', () => {
  assert.deepEqual(parseInline('see [the **docs**](https://127.0.0.1/x_(y)) and ![logo](https://127.0.0.1/l.png)'), [
    { kind: 'text', text: 'see ' },
    { kind: 'link', href: 'https://127.0.0.1/x_(y)', children: [{ kind: 'text', text: 'the ' }, { kind: 'strong', children: [{ kind: 'text', text: 'docs' }] }] },
    { kind: 'text', text: ' and ' },
    { kind: 'link', href: 'https://127.0.0.1/l.png', children: [{ kind: 'text', text: 'logo' }] },
  ]);
  assert.deepEqual(parseInline('*a* _b_ snake_case_name `x * y` ``a ` b``'), [
    { kind: 'em', children: [{ kind: 'text', text: 'a' }] },
    { kind: 'text', text: ' ' },
    { kind: 'em', children: [{ kind: 'text', text: 'b' }] },
    { kind: 'text', text: ' snake_case_name ' },
    { kind: 'code', text: 'x * y' },
    { kind: 'text', text: ' ' },
    { kind: 'code', text: 'a ` b' },
  ]);
  assert.deepEqual(parseInline('2 * 3 * 4'), [{ kind: 'text', text: '2 * 3 * 4' }], 'spaced stars are arithmetic');
});

void test('blocks: headings, lists, paragraphs with line breaks, code fences (unclosed while streaming)', () => {
  const text = '# Title\nfirst line\nsecond line\n\n- one\n- **two**\n\n3. three\n4. four\n\n```js\nconst a = "<b>";\n\n```\nafter\n```py\nprint(1)';
  assert.deepEqual(parseMarkdown(text), [
    { kind: 'heading', level: 1, children: [{ kind: 'text', text: 'Title' }] },
    { kind: 'paragraph', children: [{ kind: 'text', text: 'first line' }, { kind: 'break' }, { kind: 'text', text: 'second line' }] },
    { kind: 'list', ordered: false, start: 1, items: [[{ kind: 'text', text: 'one' }], [{ kind: 'strong', children: [{ kind: 'text', text: 'two' }] }]] },
    { kind: 'list', ordered: true, start: 3, items: [[{ kind: 'text', text: 'three' }], [{ kind: 'text', text: 'four' }]] },
    { kind: 'code', language: 'js', text: 'const a = "<b>";\n' },
    { kind: 'paragraph', children: [{ kind: 'text', text: 'after' }] },
    { kind: 'code', language: 'py', text: 'print(1)' },
  ]);
  assert.deepEqual(parseMarkdown(''), []);
});
