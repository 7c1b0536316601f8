// Model cards: README.md with YAML front matter (`---` … `---`) followed by Markdown.
import { parse } from 'yaml';

export interface ModelCard {
  data: Record<string, unknown>;
  body: string;
}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/** The raw front matter of a card: absent, a YAML error, or the parsed value (of any shape). */
export type CardHeader = { kind: 'absent' } | { kind: 'invalid'; error: string } | { kind: 'parsed'; value: unknown; length: number };

export function readCardHeader(readme: string): CardHeader {
  const match = FRONT_MATTER.exec(readme);
  if (!match) return { kind: 'absent' };
  try {
    return { kind: 'parsed', value: parse(match[1] ?? '', { maxAliasCount: 100 }), length: match[0].length };
  } catch (error) {
    return { kind: 'invalid', error: error instanceof Error ? error.message : String(error) };
  }
}

export function parseModelCard(readme: string): ModelCard {
  const match = FRONT_MATTER.exec(readme);
  if (!match) return { data: {}, body: readme };
  const header = readCardHeader(readme);
  // A broken header must not make the repo unreadable: keep the text, index nothing from it.
  const data = header.kind === 'parsed' ? header.value : {};
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
