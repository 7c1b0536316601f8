// The model card: README.md rendered to sanitized HTML (render-card.ts, loaded on demand), so a
// card can never run script; its front matter is shown apart, from the parsed cardData the API
// returns.
import { useEffect, useMemo, useState } from 'react';
import { ErrorMessage, Loading } from '../async-state.js';
import { useI18n } from '../i18n.js';
import type * as RenderCard from './render-card.js';

type CardRenderer = typeof RenderCard;

let cardRenderer: Promise<CardRenderer> | undefined;
let loadedRenderer: CardRenderer | undefined;

/** Starts loading the Markdown renderer (once); a repo page calls it as it opens, before its data is in. */
export function loadCardRenderer(): Promise<CardRenderer> {
  cardRenderer ??= import('./render-card.js').then(
    (module) => (loadedRenderer = module),
    (error: unknown) => {
      // A failed chunk load (server restarted onto a new build, network) may work when retried.
      cardRenderer = undefined;
      throw error;
    },
  );
  return cardRenderer;
}

// State rather than Suspense (React.lazy, use()): React holds back content revealed inside a
// Suspense boundary for up to 300 ms after its fallback showed, which put the card ~300 ms late.
function useCardRenderer(): [CardRenderer | undefined, unknown, () => void] {
  const [renderer, setRenderer] = useState(loadedRenderer);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    if (renderer === undefined && error === undefined) loadCardRenderer().then(setRenderer, (reason: unknown) => setError(reason ?? new Error('loading the card renderer failed')));
  }, [renderer, error]);
  return [renderer, error, () => setError(undefined)];
}

export function ModelCard({ markdown }: { markdown: string | null }) {
  const { t } = useI18n();
  const [renderer, error, retry] = useCardRenderer();
  const html = useMemo(() => (markdown === null || renderer === undefined ? undefined : renderer.renderCard(markdown)), [renderer, markdown]);
  if (markdown === null) return <p className="muted">{t.noCard}</p>;
  if (error !== undefined) return <ErrorMessage error={error} onRetry={retry} />;
  if (html === undefined) return <Loading />;
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
