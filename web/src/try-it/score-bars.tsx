// Labels with their scores as horizontal bars (scores in [0, 1]), highest first as the model sent
// them; language codes get their name in the interface language beside them.
import { useI18n } from '../i18n.js';
import type { LabelScore } from './classify-output.js';
import { useTryItStrings } from './try-it-strings.js';

function languageNamer(language: string): (code: string) => string | undefined {
  try {
    const names = new Intl.DisplayNames([language === 'zh' ? 'zh-CN' : 'en'], { type: 'language' });
    return (code) => {
      try {
        const name = names.of(code);
        return name && name !== code ? name : undefined;
      } catch {
        return undefined;
      }
    };
  } catch {
    return () => undefined;
  }
}

export function ScoreBars({ labels, languages = false, testId = 'labels' }: { labels: LabelScore[]; languages?: boolean; testId?: string }) {
  const s = useTryItStrings();
  const { language } = useI18n();
  if (labels.length === 0) return <p className="muted">{s.noResults}</p>;
  const nameOf = languages ? languageNamer(language) : () => undefined;
  return (
    <ul className="try-bars" data-testid={testId}>
      {labels.slice(0, 50).map((item, index) => {
        const name = nameOf(item.label);
        const clamped = Math.max(0, Math.min(1, item.score));
        return (
          <li key={`${item.label}-${index}`} data-label={item.label}>
            <span className="try-bar-label" title={item.label}>
              <span className="score-label-text">{item.label}</span>
              {name && <span className="muted"> {name}</span>}
            </span>
            <span className="try-bar" role="meter" aria-valuemin={0} aria-valuemax={1} aria-valuenow={clamped} aria-label={name ? `${item.label} ${name}` : item.label}>
              <span style={{ width: `${clamped * 100}%` }} />
            </span>
            <span className="try-bar-value">{item.score.toFixed(3)}</span>
          </li>
        );
      })}
    </ul>
  );
}
