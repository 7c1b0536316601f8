// Lineage beside a model's card: the base model(s) it was tuned from (its card's `base_model`), and
// the models tuned from it (`GET /api/models?filter=base_model:<id>`, the Hub's own query).
import type { RepoInfo } from '../api.js';
import { apiJson } from '../api.js';
import { useAsync } from '../async-state.js';
import { useI18n } from '../i18n.js';
import { Link } from '../router.js';
import { TUNE_TEXT } from './tune-text.js';
import './tuning.css';

function baseModels(cardData: Record<string, unknown> | undefined): string[] {
  const value = cardData?.base_model;
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

export function LineagePanel({ repo, cardData }: { repo: string; cardData: Record<string, unknown> | undefined }) {
  const { language } = useI18n();
  const text = TUNE_TEXT[language];
  const bases = baseModels(cardData);
  const [derived] = useAsync((signal) => apiJson<RepoInfo[]>(`/api/models?filter=${encodeURIComponent(`base_model:${repo}`)}&limit=20`, { signal }), [repo]);
  const models = derived.status === 'done' ? derived.value : [];
  if (bases.length === 0 && models.length === 0) return null;
  return (
    <section className="panel lineage" aria-label={text.derived} data-testid="lineage">
      {bases.length > 0 && (
        <>
          <h2>{text.baseOf}</h2>
          <ul>
            {bases.map((base) => (
              <li key={base}>
                <Link href={`/${base}`}>{base}</Link>
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>{text.derived}</h2>
      {models.length === 0 ? (
        <p className="muted">{text.noDerived}</p>
      ) : (
        <ul data-testid="derived-models">
          {models.map((model) => (
            <li key={model.id}>
              <Link href={`/${model.id}`}>{model.id}</Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
