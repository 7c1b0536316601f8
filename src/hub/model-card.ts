// Model cards: README.md with YAML front matter (`---` … `---`) followed by Markdown.
import { parse } from 'yaml';

export interface ModelCard {
  data: Record<string, unknown>;
  body: string;
}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

export function parseModelCard(readme: string): ModelCard {
  const match = FRONT_MATTER.exec(readme);
  if (!match) return { data: {}, body: readme };
  let data: unknown;
  try {
    data = parse(match[1] ?? '', { maxAliasCount: 100 });
  } catch {
    // A broken header must not make the repo unreadable: keep the text, index nothing from it.
    data = {};
  }
  const isObject = typeof data === 'object' && data !== null && !Array.isArray(data);
  return { data: isObject ? (data as Record<string, unknown>) : {}, body: readme.slice(match[0].length) };
}

/** `description`, when given, is the card's first paragraph instead of the invitation to write one. */
export function defaultModelCard(repoId: string, type: 'model' | 'dataset', license = 'other', description?: string): string {
  const noun = type === 'model' ? 'model' : 'dataset';
  const safeLicense = /^[\w.+-]+$/.test(license) ? license : 'other';
  const body = description?.trim() || `This ${noun} card was created by Moda. Describe the ${noun}, its intended use, its limitations and how it was evaluated.`;
  return `---\nlicense: ${safeLicense}\n---\n\n# ${repoId}\n\n${body}\n`;
}
