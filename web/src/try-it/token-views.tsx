// Text results shown inline: words of a segmentation coloured by part of speech (with a legend) and
// keywords marked, and named entities highlighted in the input text by their offsets.
import { useI18n } from '../i18n.js';
import type { Entity, WordToken } from './classify-output.js';
import { colorFor } from './palette.js';
import { ScoreBars } from './score-bars.js';
import { useTryItStrings } from './try-it-strings.js';

// jieba's (ICTCLAS) tags, by their first letter, the word class they belong to.
const WORD_CLASSES: Record<string, { zh: string; en: string }> = {
  n: { zh: '名词', en: 'noun' },
  v: { zh: '动词', en: 'verb' },
  a: { zh: '形容词', en: 'adjective' },
  d: { zh: '副词', en: 'adverb' },
  r: { zh: '代词', en: 'pronoun' },
  m: { zh: '数词', en: 'numeral' },
  q: { zh: '量词', en: 'classifier' },
  p: { zh: '介词', en: 'preposition' },
  c: { zh: '连词', en: 'conjunction' },
  u: { zh: '助词', en: 'particle' },
  y: { zh: '语气词', en: 'modal particle' },
  e: { zh: '叹词', en: 'interjection' },
  t: { zh: '时间词', en: 'time word' },
  f: { zh: '方位词', en: 'locality' },
  s: { zh: '处所词', en: 'place word' },
  x: { zh: '其他/标点', en: 'other / punctuation' },
};
// Sub-tags worth naming on their own: proper nouns are what a reader looks for first.
const TAG_NAMES: Record<string, { zh: string; en: string }> = {
  nr: { zh: '人名', en: 'person name' },
  ns: { zh: '地名', en: 'place name' },
  nt: { zh: '机构名', en: 'organisation' },
  nz: { zh: '专有名词', en: 'proper noun' },
  vn: { zh: '名动词', en: 'verbal noun' },
  eng: { zh: '英文', en: 'English word' },
};

const classOf = (tag: string) => (tag === 'eng' ? 'x' : tag.charAt(0).toLowerCase());

export function WordTokens({ tokens, keywords }: { tokens: WordToken[]; keywords: { word: string; weight: number }[] }) {
  const s = useTryItStrings();
  const { language } = useI18n();
  const keywordSet = new Set(keywords.map((keyword) => keyword.word));
  const tagName = (tag: string) => (TAG_NAMES[tag] ?? WORD_CLASSES[classOf(tag)])?.[language];
  const classes = [...new Set(tokens.flatMap((token) => (token.tag ? [classOf(token.tag)] : [])))];
  const top = keywords[0]?.weight || 1;
  return (
    <div data-testid="tokens">
      <p className="try-tokens" lang="zh" aria-label={s.partOfSpeech}>
        {tokens.map((token, index) => {
          const color = token.tag ? colorFor(classOf(token.tag)) : undefined;
          const name = token.tag ? tagName(token.tag) : undefined;
          return (
            <span
              key={index}
              className={keywordSet.has(token.word) ? 'try-token keyword' : 'try-token'}
              style={color ? { borderBottomColor: color, background: `${color}1a` } : undefined}
              title={token.tag ? `${token.tag}${name ? ` · ${name}` : ''}` : undefined}
              data-testid="token"
              data-tag={token.tag}
            >
              {token.word}
              {token.tag && <sub style={{ color }}>{token.tag}</sub>}
            </span>
          );
        })}
      </p>
      {classes.length > 0 && (
        <ul className="try-legend-row" aria-label={s.partOfSpeech} data-testid="pos-legend">
          {classes.map((wordClass) => (
            <li key={wordClass}>
              <span className="try-swatch" style={{ background: colorFor(wordClass) }} aria-hidden="true" />
              {wordClass} {WORD_CLASSES[wordClass]?.[language] ?? ''}
            </li>
          ))}
        </ul>
      )}
      {keywords.length > 0 && (
        <>
          <h3>{s.keywords}</h3>
          <ScoreBars testId="keywords" labels={keywords.map((keyword) => ({ label: keyword.word, score: Math.min(1, keyword.weight / top) }))} />
        </>
      )}
    </div>
  );
}

/** The input with each entity's span highlighted; without the input text, the entities as a list. */
export function EntitySpans({ entities, text }: { entities: Entity[]; text: string | undefined }) {
  const s = useTryItStrings();
  const types = [...new Set(entities.map((entity) => entity.entity.replace(/^[BIES]-/, '')))];
  const parts: { text: string; entity?: Entity }[] = [];
  if (text !== undefined) {
    let cursor = 0;
    for (const entity of [...entities].sort((a, b) => a.start - b.start)) {
      // Overlapping spans (ungrouped B-/I- tokens can touch) are shown once, from where the last ended.
      if (entity.end <= cursor || entity.start >= text.length) continue;
      const start = Math.max(cursor, entity.start);
      if (start > cursor) parts.push({ text: text.slice(cursor, start) });
      parts.push({ text: text.slice(start, entity.end), entity });
      cursor = entity.end;
    }
    if (cursor < text.length) parts.push({ text: text.slice(cursor) });
  }
  return (
    <div data-testid="entities">
      {text !== undefined ? (
        <p className="try-entities" aria-label={s.entities}>
          {parts.map((part, index) => {
            if (!part.entity) return <span key={index}>{part.text}</span>;
            const type = part.entity.entity.replace(/^[BIES]-/, '');
            return (
              <mark key={index} style={{ background: `${colorFor(type)}33`, borderColor: colorFor(type) }} title={`${part.entity.entity} ${part.entity.score.toFixed(3)}`} data-testid="entity" data-entity={type}>
                {part.text}
                <sub>{type}</sub>
              </mark>
            );
          })}
        </p>
      ) : (
        <ScoreBars labels={entities.map((entity) => ({ label: `${entity.word} · ${entity.entity}`, score: entity.score }))} />
      )}
      <ul className="try-legend-row" aria-label={s.legend}>
        {types.map((type) => (
          <li key={type}>
            <span className="try-swatch" style={{ background: colorFor(type) }} aria-hidden="true" />
            {type}
          </li>
        ))}
      </ul>
    </div>
  );
}
