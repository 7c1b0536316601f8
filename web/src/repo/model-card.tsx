// The model card: README.md rendered by marked and sanitized by DOMPurify, so a card can never run
// script (no <script>, no event handlers, no javascript: URLs); its front matter is shown apart,
// from the parsed cardData the API returns.
import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { useMemo } from 'react';
import { useI18n } from '../i18n.js';

const FRONT_MATTER = /^---\r?\n[\s\S]*?\r?\n---\r?\n?/;

// Links in a card open in a new tab without handing it this page (window.opener).
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.getAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

export function renderCard(markdown: string): string {
  const html = marked.parse(markdown.replace(FRONT_MATTER, ''), { async: false, gfm: true });
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'form', 'input', 'button'] });
}

export function ModelCard({ markdown }: { markdown: string | null }) {
  const { t } = useI18n();
  const html = useMemo(() => (markdown === null ? null : renderCard(markdown)), [markdown]);
  if (html === null) return <p className="muted">{t.noCard}</p>;
  return <article className="markdown" data-testid="model-card" dangerouslySetInnerHTML={{ __html: html }} />;
}

function displayValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(displayValue).join(', ');
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

export function MetadataPanel({ cardData }: { cardData: Record<string, unknown> | undefined }) {
  const { t } = useI18n();
  const entries = Object.entries(cardData ?? {});
  if (entries.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="metadata-heading" data-testid="metadata">
      <h2 id="metadata-heading">{t.metadata}</h2>
      <dl className="metadata">
        {entries.map(([key, value]) => (
          <div key={key}>
            <dt>{key}</dt>
            <dd>{displayValue(value)}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
