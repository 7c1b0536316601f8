// Turns a model card's Markdown into HTML that can never run script: rendered by marked, sanitized
// by DOMPurify (no <script>, no event handlers, no javascript: URLs, no `style` attributes). Loaded on demand by
// model-card.tsx: the two libraries are a tenth of the app's code and only repo pages need them.
import DOMPurify from 'dompurify';
import { marked } from 'marked';

const FRONT_MATTER = /^---\r?\n[\s\S]*?\r?\n---\r?\n?/;

// Links in a card open in a new tab without handing it this page (window.opener). Classes other than
// marked's `language-*` go: the app's own classes (a fixed overlay, a dialog) would let a card dress
// itself as the page, as `style` would (forbidden below).
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  const kept = [...node.classList].filter((name) => name.startsWith('language-'));
  if (kept.length > 0) node.setAttribute('class', kept.join(' '));
  else node.removeAttribute('class');
  if (node.tagName === 'A' && node.getAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

export function renderCard(markdown: string): string {
  const html = marked.parse(markdown.replace(FRONT_MATTER, ''), { async: false, gfm: true });
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'form', 'input', 'button', 'dialog'], FORBID_ATTR: ['style'] });
}
