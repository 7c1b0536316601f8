// Small labelled text datasets for the tuning tests: two or three topics, each text a seeded draw of
// topic words and shared filler, so a fastText classifier separates them without being trivial.
import { seededRandom } from '../../src/tuning/split-validation.js';

const TOPICS: Record<string, string[]> = {
  sports: ['goal', 'match', 'team', 'score', 'coach', 'league', 'striker', 'referee', 'season', 'stadium', '比赛', '球队'],
  cooking: ['recipe', 'oven', 'flour', 'sauce', 'garlic', 'simmer', 'butter', 'dough', 'spoon', 'kitchen', '厨房', '面粉'],
  finance: ['market', 'stock', 'bank', 'interest', 'loan', 'invest', 'shares', 'bond', 'profit', 'budget', '银行', '股票'],
};
const FILLER = ['the', 'a', 'was', 'very', 'today', 'we', 'and', 'then', 'it', 'good', 'new', 'people'];

export interface LabelledText {
  text: string;
  label: string;
}

/** `perClass` texts of each of the first `classes` topics, interleaved, from `seed`. */
export function topicTexts(perClass: number, seed: number, classes = 2): LabelledText[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const labels = Object.keys(TOPICS).slice(0, classes);
  const rows: LabelledText[] = [];
  for (let index = 0; index < perClass; index++) {
    for (const label of labels) {
      const words: string[] = [];
      for (let word = 0; word < 12; word++) words.push(random() < 0.35 ? pick(TOPICS[label] ?? []) : pick(FILLER));
      rows.push({ text: words.join(' '), label });
    }
  }
  return rows;
}

/** CSV with a header, quoting every text. */
export function toCsv(rows: readonly object[], columns: readonly string[]): string {
  const quote = (value: string | number) => (typeof value === 'number' ? String(value) : `"${value.replace(/"/g, '""')}"`);
  return `${columns.join(',')}\n${rows.map((row) => columns.map((column) => quote((row as Record<string, string | number | undefined>)[column] ?? '')).join(',')).join('\n')}\n`;
}
